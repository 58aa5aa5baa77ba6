// What each browser command does (docs/protocol.md, "Browsers"). The rules are every
// protocol's (names.hpp, room_rules.hpp, history_requests.hpp); what differs is the answer: a
// structured reply for the browser to render, with the command's `ref` copied into it.

#include <fmt/format.h>

#include <vector>

#include "server/line_front_end.hpp"
#include "server/memberships.hpp"
#include "server/registry.hpp"
#include "server/room.hpp"
#include "server/room_directory.hpp"
#include "server/room_rules.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "server/web/web_front_end.hpp"
#include "server/web/web_json.hpp"
#include "shared/irc/text.hpp"
#include "shared/names.hpp"

namespace parley {

namespace {

// Rooms one browser may be in at once (IRC's CHANLIMIT), so that what one client costs is
// bounded.
constexpr std::size_t max_rooms = 100;
constexpr std::size_t max_topic = 390;  // IRC's TOPICLEN, for every protocol
constexpr std::size_t default_history_page = 20;

}  // namespace

void WebFrontEnd::begin() {
    // Every browser takes room messages as the same shared frame.
    session_.set_message_form(Form::json);
    const Config& config = session_.state().config;
    send({{"type", "welcome"},
          {"nick", session_.nick()},
          {"motd", config.motd},
          {"limits",
           {{"text", config.max_line}, {"topic", max_topic}, {"history", max_history_page}}}});
    enter(session_.state().rooms.lobby(), {});
}

void WebFrontEnd::carry_out(web::Command& c) {
    switch (c.type) {
        case web::CommandType::say:
            say(c, EventKind::message);
            return;
        case web::CommandType::me:
            say(c, EventKind::action);
            return;
        case web::CommandType::msg:
            message(c);
            return;
        case web::CommandType::nick:
            nick(c);
            return;
        case web::CommandType::join:
            join(c);
            return;
        case web::CommandType::part:
            part(c);
            return;
        case web::CommandType::topic:
            topic(c);
            return;
        case web::CommandType::who:
            who(c);
            return;
        case web::CommandType::rooms:
            rooms(c);
            return;
        case web::CommandType::history:
            history(c);
            return;
        case web::CommandType::quit:
            if (acceptable(c.reason, c.ref)) {
                session_.finish(Ending::quit, c.reason.empty() ? "quit" : c.reason,
                                make_message(ws::close_frame(ws::close_code::normal, "Goodbye.")));
            }
            return;
    }
}

Room* WebFrontEnd::my_room(std::string_view name, const std::string& ref) {
    Room* room = session_.state().rooms.find(with_room_prefix(name));
    if (room == nullptr || !room->has(session_)) {
        error("not-in-room", fmt::format("you are not in {}", with_room_prefix(name)), ref);
        return nullptr;
    }
    return room;
}

void WebFrontEnd::say(const web::Command& c, EventKind kind) {
    Room* room = my_room(c.room, c.ref);
    if (room == nullptr || !acceptable(c.text, c.ref)) {
        return;
    }
    if (c.text.empty()) {
        error("usage", "there is nothing to say", c.ref);
        return;
    }
    if (auto refusal = speech_refusal(*room, session_)) {
        error("cannot-send", *refusal, c.ref);
        return;
    }
    auto e = std::make_shared<Event>(session_.event(kind, room));
    e->text = c.text;
    e->id = ++session_.state().last_message_id;
    session_.state().metrics.of(protocol_kind).messages += 1;
    show(*e);  // the echo: the same shared frame the other browsers get
    room->say(std::move(e), session_);
}

void WebFrontEnd::message(const web::Command& c) {
    if (!acceptable(c.text, c.ref)) {
        return;
    }
    if (c.text.empty()) {
        error("usage", "there is nothing to say", c.ref);
        return;
    }
    Session* to = session_.state().registry.find(c.to);
    if (to == nullptr || !to->front().registered()) {
        error("no-such-nick", fmt::format("nobody is called {}", c.to), c.ref);
        return;
    }
    Event e = session_.event(EventKind::message);
    e.target = to->nick();
    e.text = c.text;
    e.id = ++session_.state().last_message_id;
    to->show(e);
    if (to != &session_) {
        show(e);  // the echo, with the recipient as `target`
    }
}

void WebFrontEnd::nick(const web::Command& c) {
    if (auto problem = nick_problem(c.nick)) {
        error("bad-nick", *problem, c.ref);
        return;
    }
    if (c.nick == session_.nick()) {
        return;  // nothing changes, nobody is told
    }
    Event e = session_.event(EventKind::nick);
    if (!session_.registration().rename(c.nick)) {
        error("nick-taken", fmt::format("the nickname {} is in use", c.nick), c.ref);
        return;
    }
    e.text = session_.nick();
    session_.state().whowas.remember(session_, e.nick);
    session_.rooms().tell_peers(e, true);  // the browser itself learns it this way too
}

void WebFrontEnd::join(const web::Command& c) {
    const std::string name = with_room_prefix(c.room);
    if (auto problem = room_problem(name)) {
        error("bad-room", *problem, c.ref);
        return;
    }
    ServerState& state = session_.state();
    Room* existing = state.rooms.find(name);
    if (existing != nullptr && existing->has(session_)) {
        send_joined(*existing, c.ref);  // already there: told again, as a page reload needs
        return;
    }
    if (session_.rooms().count() >= max_rooms) {
        error("cannot-join", fmt::format("you are in {} rooms, as many as one may be", max_rooms),
              c.ref);
        return;
    }
    if (existing != nullptr) {
        if (auto refusal = join_refusal(*existing, session_, c.key)) {
            error("cannot-join", refusal->text, c.ref);
            return;
        }
    }
    if (existing == nullptr && !state.rooms.can_open(name)) {
        error("too-many-rooms",
              fmt::format("the server has as many rooms as it takes ({}); join an existing one",
                          state.rooms.max_rooms()),
              c.ref);
        return;
    }
    enter(existing != nullptr ? *existing : state.rooms.open(name), c.ref);
}

void WebFrontEnd::enter(Room& room, const std::string& ref) {
    // The first member of a new room is its operator, whatever protocol it speaks.
    session_.rooms().join(
        room, room.empty() && &room != &session_.state().rooms.lobby() ? Member::op : 0);
    use_invitation(room, session_);
    Event joined = session_.event(EventKind::join, &room);
    joined.text = realname();
    room.emit(joined, &session_);  // the joiner is told by `joined`
    send_joined(room, ref);
}

void WebFrontEnd::part(const web::Command& c) {
    Room* room = my_room(c.room, c.ref);
    if (room == nullptr || !acceptable(c.reason, c.ref)) {
        return;
    }
    Event e = session_.event(EventKind::part, room);
    e.text = irc::cut_utf8(c.reason, max_topic);
    session_.rooms().leave(*room, e);  // the part reaches this browser too: its room closes
}

void WebFrontEnd::topic(const web::Command& c) {
    Room* room = my_room(c.room, c.ref);
    if (room == nullptr || !acceptable(c.text, c.ref)) {
        return;
    }
    if (auto refusal = topic_refusal(*room, session_)) {
        error("not-operator", *refusal, c.ref);
        return;
    }
    room->set_topic(std::string(irc::cut_utf8(c.text, max_topic)), session_.nick());
    Event e = session_.event(EventKind::topic, room);
    e.text = room->topic();
    room->emit(e);
}

void WebFrontEnd::who(const web::Command& c) {
    const std::string name = with_room_prefix(c.room);
    const Room* room = session_.state().rooms.find(name);
    if (room == nullptr || (room->modes().secret && !room->has(session_))) {
        error("no-such-room", fmt::format("there is no room {}", name), c.ref);
        return;
    }
    web::Json answer = {{"type", "members"},
                        {"room", room->name()},
                        {"members", web::member_list(*room, session_)}};
    web::set_ref(answer, c.ref);
    send(answer);
}

void WebFrontEnd::rooms(const web::Command& c) {
    // At most max_rooms_listed rooms, as plain /rooms and IRC's LIST, so that the answer fits
    // in the outbox (--outbox-bytes); "more" counts the others.
    constexpr std::size_t max_rooms_listed = 1000;
    web::Json list = web::Json::array();
    std::size_t more = 0;
    for (const Room* room : session_.state().rooms.list()) {
        if (room->modes().secret && !room->has(session_)) {
            continue;
        }
        if (list.size() == max_rooms_listed) {
            ++more;
            continue;
        }
        web::Json entry = {{"name", room->name()}, {"members", room->size()}};
        if (!room->topic().empty()) {
            entry["topic"] = plain_text(room->topic());
        }
        list.push_back(std::move(entry));
    }
    web::Json answer = {{"type", "rooms"}, {"rooms", std::move(list)}};
    if (more > 0) {
        answer["more"] = more;
    }
    web::set_ref(answer, c.ref);
    send(answer);
}

void WebFrontEnd::history(const web::Command& c) {
    Room* room = my_room(c.room, c.ref);
    if (room == nullptr) {
        return;
    }
    if (c.limit && (*c.limit == 0 || *c.limit > max_history_page)) {
        error("usage", fmt::format("\"limit\" is 1 to {}", max_history_page), c.ref);
        return;
    }
    // Bounded and rate-limited as every history request is (history_requests.hpp); browsers
    // may ask for several rooms at once, as IRC clients may.
    if (!history_.allowed()) {
        error("flood", "history is asked for too often: twenty at once, then one a second", c.ref);
        return;
    }
    const std::size_t limit = c.limit.value_or(default_history_page);
    const bool asked =
        history_.ask(session_.state().rooms, *room, store::Query::page(c.before.value_or(0), limit),
                     [this, room, serial = room->serial(), limit, ref = c.ref](
                         std::vector<EventPtr> page, bool failed) {
                         // The answer may come later, from the store: the room may be gone by then,
                         // or another of the same name made since.
                         if (session_.ending()) {
                             return;
                         }
                         bool still_there = false;
                         session_.rooms().for_each_room(
                             [&](Room& r) { still_there |= &r == room && r.serial() == serial; });
                         if (!still_there) {
                             return;
                         }
                         if (failed) {
                             error("history-unavailable", "the history cannot be read now", ref);
                             return;
                         }
                         send_history(*room, page, page.size() == limit, ref);
                     });
    if (!asked) {
        error("busy", "the history store is busy; try again", c.ref);
    }
}

}  // namespace parley
