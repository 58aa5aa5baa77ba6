// What each plain command does. Every handler answers the client through its own outbox and
// tells others through the rooms, as events each member's front end shows its own way; see
// docs/protocol.md for the lines.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <span>

#include "server/line_front_end.hpp"
#include "server/memberships.hpp"
#include "server/registry.hpp"
#include "server/room_directory.hpp"
#include "server/room_rules.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/irc/text.hpp"
#include "shared/names.hpp"

namespace parley {

namespace {
constexpr std::size_t join_names_limit = 50;
constexpr std::size_t max_topic = 390;  // IRC's TOPICLEN, for every protocol
constexpr std::size_t default_history_page = 20;
// Rooms a /rooms reply lists at most, as IRC's LIST: the reply is one message, which must fit
// in the client's outbox (--outbox-bytes, 1 MiB) or the client would be evicted for asking;
// a thousand lines of a name and a 390-byte topic are under half of it.
constexpr std::size_t max_rooms_listed = 1000;

// The members' names; IRC users marked invisible (+i) are listed only to members.
std::string member_list(const Room& room, const Session& asking) {
    const bool member = room.has(asking);
    std::vector<std::string_view> nicks;
    nicks.reserve(room.size());
    for (const Member& m : room.members()) {
        if (member || !m.session->front().invisible()) {
            nicks.push_back(m.session->nick());
        }
    }
    // Compared in place: folding copies of both names per comparison would allocate
    // O(n log n) strings for a /who in a big room.
    std::sort(nicks.begin(), nicks.end(), [](std::string_view a, std::string_view b) {
        return std::lexicographical_compare(
            a.begin(), a.end(), b.begin(), b.end(),
            [](unsigned char x, unsigned char y) { return std::tolower(x) < std::tolower(y); });
    });
    return fmt::format("Members of {} ({}): {}", room.name(), nicks.size(), fmt::join(nicks, " "));
}

}  // namespace

void LineFrontEnd::begin() {
    greet();
    enter(session_.state().rooms.lobby());
}

void LineFrontEnd::greet() {
    Lines out = lines();
    out.info("Welcome to Parley! Type a line and press Enter to chat; /help lists the commands.");
    out.info(fmt::format("Your nickname is {}. Change it with /nick NAME.", session_.nick()));
    for (const std::string& line : session_.state().config.motd) {
        out.info(line);
    }
    deliver(out.done());
}

void LineFrontEnd::enter(Room& room) {
    // The first member of a new room is its operator, whatever protocol it speaks.
    session_.rooms().join(
        room, room.empty() && &room != &session_.state().rooms.lobby() ? Member::op : 0);
    use_invitation(room, session_);
    Event joined = session_.event(EventKind::join, &room);
    joined.text = realname();
    room.emit(joined);
    Lines out = lines();
    if (!room.topic().empty()) {
        out.info(fmt::format("Topic for {}: {}", room.name(), plain_text(room.topic())));
    }
    // Listing every member to every joiner makes filling a big room quadratic in bytes (a 10,000
    // member #lobby would send each newcomer ~240 KB); past a screenful, the joiner gets the
    // count and asks /who for the names.
    if (room.size() <= join_names_limit) {
        out.info(member_list(room, session_));
    } else {
        out.info(fmt::format("{} has {} members; /who {} lists them.", room.name(), room.size(),
                             room.name()));
    }
    if (!room.history().empty()) {
        out.info(fmt::format("Recent messages in {}:", room.name()));
    }
    deliver(out.done());
    if (!room.history().empty()) {
        for (const EventPtr& e : room.history()) {
            show(*e);  // the very bytes others saw, shared
        }
        deliver(lines().info("End of recent messages.").done());
    }
    history_before_ = room.history().empty() ? 0 : room.history().front()->id;
}

// The room was created again and the history store gave back what it had: what the client
// would have seen on joining, had the room stayed.
void LineFrontEnd::restored(const Room& room, std::size_t messages, bool topic) {
    if (session_.rooms().current() != &room) {
        return;
    }
    Lines out = lines();
    if (topic) {
        out.info(fmt::format("Topic for {}: {}", room.name(), plain_text(room.topic())));
    }
    if (messages > 0) {
        out.info(fmt::format("Recent messages in {}:", room.name()));
    }
    deliver(out.done());
    if (messages > 0) {
        for (std::size_t i = 0; i < messages; ++i) {
            show(*room.history()[i]);
        }
        deliver(lines().info("End of recent messages.").done());
        history_before_ = room.history().front()->id;
    }
}

void LineFrontEnd::handle(const cmd::History& c) {
    Room* room = session_.rooms().current();
    if (room == nullptr) {
        return;
    }
    // Bounded and rate-limited as every history request is (history_requests.hpp), and one at
    // a time: each page goes on from the one before it.
    if (history_.waiting() > 0 || !history_.allowed()) {
        deliver(lines()
                    .error("flood", "one /history at a time, and at most one a second after twenty")
                    .done());
        return;
    }
    const std::size_t count = c.count == 0 ? default_history_page : c.count;
    const bool asked =
        history_.ask(session_.state().rooms, *room, store::Query::page(history_before_, count),
                     [this, serial = room->serial()](std::vector<EventPtr> page, bool failed) {
                         show_history(serial, page, failed);
                     });
    if (!asked) {
        deliver(lines().error("busy", "the history store is busy; try again").done());
    }
}

void LineFrontEnd::show_history(std::uint64_t serial, const std::vector<EventPtr>& page,
                                bool failed) {
    const Room* room = session_.rooms().current();
    if (room == nullptr || room->serial() != serial || session_.ending()) {
        return;  // moved on meanwhile: a page of another room would only confuse
    }
    if (failed) {
        deliver(lines().error("history-unavailable", "the history cannot be read now").done());
        return;
    }
    if (page.empty()) {
        deliver(lines().info(fmt::format("No earlier messages in {}.", room->name())).done());
        return;
    }
    deliver(lines()
                .info(fmt::format("Earlier messages in {} ({}):", room->name(), page.size()))
                .done());
    for (const EventPtr& e : page) {
        show(*e);
    }
    deliver(lines().info("End of earlier messages.").done());
    history_before_ = page.front()->id;
}

void LineFrontEnd::move_to(Room& room) {
    if (Room* current = session_.rooms().current()) {
        session_.rooms().leave(*current, session_.event(EventKind::part, current));
    }
    enter(room);
}

void LineFrontEnd::say(EventKind kind, std::string_view text) {
    Room* room = session_.rooms().current();
    if (room == nullptr) {
        return;
    }
    if (auto refusal = speech_refusal(*room, session_)) {
        error("cannot-send", *refusal);
        return;
    }
    auto e = std::make_shared<Event>(session_.event(kind, room));
    e->text = text;
    e->id = ++session_.state().last_message_id;
    session_.state().metrics.of(protocol_kind).messages += 1;
    room->say(std::move(e), session_);
}

void LineFrontEnd::handle(const cmd::Say& c) {
    say(EventKind::message, c.text);
}

void LineFrontEnd::handle(const cmd::Me& c) {
    say(EventKind::action, c.action);
}

void LineFrontEnd::handle(const cmd::Help&) {
    Lines out = lines();
    std::string_view text = cmd::help_text();
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        out.info(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
    deliver(out.done());
}

void LineFrontEnd::handle(const cmd::Nick& c) {
    if (auto problem = nick_problem(c.name)) {
        error("bad-nick", *problem);
        return;
    }
    if (c.name == session_.nick()) {
        deliver(lines().info(fmt::format("Your nickname is already {}.", session_.nick())).done());
        return;
    }
    Event e = session_.event(EventKind::nick);
    if (!session_.registration().rename(c.name)) {
        error("nick-taken", fmt::format("the nickname {} is in use", c.name));
        return;
    }
    e.text = session_.nick();
    session_.state().whowas.remember(session_, e.nick);
    session_.rooms().tell_peers(e, true);
}

void LineFrontEnd::handle(const cmd::Join& c) {
    const std::string name = with_room_prefix(c.room);
    if (auto problem = room_problem(name)) {
        error("bad-room", *problem);
        return;
    }
    Room* current = session_.rooms().current();
    if (current != nullptr && fold_case(current->name()) == fold_case(name)) {
        error("already-there", fmt::format("you are in {}", current->name()));
        return;
    }
    if (Room* existing = session_.state().rooms.find(name)) {
        if (auto refusal = join_refusal(*existing, session_, c.key)) {
            error("cannot-join", refusal->text);
            return;
        }
    }
    if (!session_.state().rooms.can_open(name)) {
        error("too-many-rooms",
              fmt::format("the server has as many rooms as it takes ({}); join one of /rooms",
                          session_.state().rooms.max_rooms()));
        return;
    }
    move_to(session_.state().rooms.open(name));
}

void LineFrontEnd::handle(const cmd::Leave&) {
    Room& lobby = session_.state().rooms.lobby();
    if (session_.rooms().current() == &lobby) {
        error("already-there", fmt::format("you are in {}; /quit leaves Parley", lobby.name()));
        return;
    }
    move_to(lobby);
}

void LineFrontEnd::handle(const cmd::Rooms&) {
    std::vector<const Room*> rooms;
    for (const Room* room : session_.state().rooms.list()) {
        if (!room->modes().secret || room->has(session_)) {
            rooms.push_back(room);
        }
    }
    Lines out = lines();
    out.info(fmt::format("Rooms ({}):", rooms.size()));
    const std::size_t shown = std::min(rooms.size(), max_rooms_listed);
    for (const Room* room : std::span(rooms).first(shown)) {
        std::string line =
            fmt::format("{} {} member{}", room->name(), room->size(), room->size() == 1 ? "" : "s");
        if (!room->topic().empty()) {
            line += ": ";
            line += plain_text(room->topic());
        }
        out.info(line);
    }
    if (shown < rooms.size()) {
        out.info(fmt::format("... and {} more rooms not shown.", rooms.size() - shown));
    }
    deliver(out.done());
}

void LineFrontEnd::handle(const cmd::Who& c) {
    const Room* room = session_.rooms().current();
    if (!c.room.empty()) {
        room = session_.state().rooms.find(with_room_prefix(c.room));
        if (room == nullptr || (room->modes().secret && !room->has(session_))) {
            error("no-such-room", fmt::format("there is no room {}", with_room_prefix(c.room)));
            return;
        }
    }
    if (room != nullptr) {
        deliver(lines().info(member_list(*room, session_)).done());
    }
}

void LineFrontEnd::handle(const cmd::Msg& c) {
    Session* to = session_.state().registry.find(c.nick);
    if (to == nullptr || !to->front().registered()) {
        error("no-such-nick", fmt::format("nobody is called {}", c.nick));
        return;
    }
    Event e = session_.event(EventKind::message);
    e.target = to->nick();
    e.text = c.text;
    e.id = ++session_.state().last_message_id;
    to->show(e);
    deliver(lines().private_echo(to->nick(), c.text).done());
}

void LineFrontEnd::handle(const cmd::Topic& c) {
    Room* room = session_.rooms().current();
    if (room == nullptr) {
        return;
    }
    if (c.text.empty()) {
        deliver(lines()
                    .info(room->topic().empty()
                              ? fmt::format("No topic is set for {}.", room->name())
                              : fmt::format("Topic for {}: {}", room->name(),
                                            plain_text(room->topic())))
                    .done());
        return;
    }
    if (auto refusal = topic_refusal(*room, session_)) {
        error("not-operator", *refusal);
        return;
    }
    // Cut to TOPICLEN, as IRC clients are told, at a UTF-8 boundary.
    const std::string_view text = c.text == "-" ? std::string_view() : c.text;
    room->set_topic(std::string(irc::cut_utf8(text, max_topic)), session_.nick());
    Event e = session_.event(EventKind::topic, room);
    e.text = room->topic();
    room->emit(e);
}

void LineFrontEnd::handle(const cmd::Quit& c) {
    session_.finish(Ending::quit, c.reason.empty() ? std::string_view("quit") : c.reason,
                    lines().info("Goodbye.").done());
}

void LineFrontEnd::handle(const cmd::Empty&) {}

void LineFrontEnd::handle(const cmd::Error& c) {
    error(c.code, c.message);
}

}  // namespace parley
