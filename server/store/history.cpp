#include "server/store/history.hpp"

#include "server/room.hpp"
#include "server/room_directory.hpp"

namespace parley {

namespace {

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_ms(std::int64_t ms) {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::milliseconds(ms)));
}

std::vector<EventPtr> events_of(const std::vector<store::Record>& records, const Room& room) {
    std::vector<EventPtr> out;
    out.reserve(records.size());
    for (const store::Record& r : records) {
        out.push_back(replayed(r, room));
    }
    return out;
}

}  // namespace

EventPtr replayed(const store::Record& r, const Room& room) {
    auto e = std::make_shared<Event>();
    e->kind = r.kind == store::RecordKind::action   ? EventKind::action
              : r.kind == store::RecordKind::notice ? EventKind::notice
                                                    : EventKind::message;
    e->time = from_ms(r.time_ms);
    e->room = &room;
    e->nick = r.nick;
    e->source = r.source;
    e->text = r.text;
    e->id = r.id;
    return e;
}

namespace {

// Gives `room` what the store had of it: its last messages and its topic.
void restore_from(Room& room, store::Page page) {
    std::string topic, setter;
    std::chrono::system_clock::time_point when{};
    if (page.topic) {
        topic = std::move(page.topic->text);
        setter = std::move(page.topic->setter);
        when = from_ms(page.topic->time_ms);
    }
    room.restore(events_of(page.events, room), std::move(topic), std::move(setter), when);
}

}  // namespace

History::History(store::StoreOptions options, RoomDirectory& directory, std::size_t recent,
                 Post post)
    : thread_(std::move(options)), directory_(directory), recent_(recent), post_(std::move(post)) {
    // Before serving, so the lobby's first visitors see its scrollback and topic.
    Room& lobby = directory_.lobby();
    restore_from(lobby, thread_.read_now(lobby.key(), store::Query::page(0, recent_), true));
    thread_.start();
}

History::~History() {
    thread_.stop();
}

void History::keep(const Event& e) {
    const store::RecordKind kind = e.kind == EventKind::action   ? store::RecordKind::action
                                   : e.kind == EventKind::notice ? store::RecordKind::notice
                                                                 : store::RecordKind::message;
    thread_.record(kind, e.id, to_ms(e.time), e.room->key(), e.nick, e.source, e.text);
}

void History::keep_topic(const Room& room) {
    thread_.set_topic(room.key(), room.topic(), room.topic_setter(), to_ms(room.topic_time()));
}

void History::restore(Room& room) {
    if (recent_ == 0) {
        return;
    }
    thread_.read(room.key(), store::Query::page(0, recent_), true,
                 [this, key = room.key(), serial = room.serial()](store::Page page) {
                     post_([this, key, serial, page = std::move(page)]() mutable {
                         Room* r = directory_.find(key);
                         if (r == nullptr || r->serial() != serial || page.failed) {
                             return;  // gone (or gone and created again) meanwhile
                         }
                         restore_from(*r, std::move(page));
                     });
                 });
}

bool History::select(const Room& room, const store::Query& q, PageDone done) {
    return thread_.read(
        room.key(), q, false,
        [this, key = room.key(), serial = room.serial(),
         done = std::move(done)](store::Page page) mutable {
            post_([this, key, serial, page = std::move(page), done = std::move(done)]() mutable {
                Room* r = directory_.find(key);
                if (r == nullptr || r->serial() != serial) {
                    done({}, true);
                    return;
                }
                done(events_of(page.events, *r), page.failed);
            });
        });
}

}  // namespace parley
