// What each command does. Every handler answers the sender through its own outbox and tells
// others through the rooms; see docs/protocol.md for the lines.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "server/lines.hpp"
#include "server/memberships.hpp"
#include "server/registry.hpp"
#include "server/room_directory.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "shared/names.hpp"

namespace parley {

namespace {
constexpr std::size_t join_names_limit = 50;

std::string member_list(const Room& room) {
    std::vector<std::string_view> nicks;
    nicks.reserve(room.size());
    for (const Session* s : room.members()) {
        nicks.push_back(s->nick());
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

void Session::greet() {
    Lines out = lines();
    out.info("Welcome to Parley! Type a line and press Enter to chat; /help lists the commands.");
    out.info(fmt::format("Your nickname is {}. Change it with /nick NAME.", nick()));
    for (const std::string& line : state_.config.motd) {
        out.info(line);
    }
    deliver(out.done());
}

void Session::enter(Room& room) {
    rooms_->join(room);
    room.announce(lines().notice(fmt::format("{} joined {}", nick(), room.name())).done(), *this);
    Lines out = lines();
    if (!room.topic().empty()) {
        out.info(fmt::format("Topic for {}: {}", room.name(), room.topic()));
    }
    // Listing every member to every joiner makes filling a big room quadratic in bytes (a 10,000
    // member #lobby would send each newcomer ~240 KB); past a screenful, the joiner gets the
    // count and asks /who for the names.
    if (room.size() <= join_names_limit) {
        out.info(member_list(room));
    } else {
        out.info(fmt::format("{} has {} members; /who {} lists them.", room.name(), room.size(),
                             room.name()));
    }
    if (!room.history().empty()) {
        out.info(fmt::format("Recent messages in {}:", room.name()));
    }
    deliver(out.done());
    if (!room.history().empty()) {
        for (const Message& m : room.history()) {
            deliver(m);  // the very bytes others saw, shared
        }
        deliver(lines().info("End of recent messages.").done());
    }
}

void Session::move_to(Room& room) {
    if (Room* current = rooms_->current()) {
        rooms_->leave(*current,
                      lines().notice(fmt::format("{} left {}", nick(), current->name())).done());
    }
    enter(room);
}

void Session::handle(const cmd::Say& c) {
    if (Room* room = rooms_->current()) {
        room->say(lines().room_message(room->name(), nick(), c.text).done(), *this);
    }
}

void Session::handle(const cmd::Me& c) {
    if (Room* room = rooms_->current()) {
        room->say(lines().room_action(room->name(), nick(), c.action).done(), *this);
    }
}

void Session::handle(const cmd::Help&) {
    Lines out = lines();
    std::string_view text = cmd::help_text();
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        out.info(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
    deliver(out.done());
}

void Session::handle(const cmd::Nick& c) {
    if (auto problem = nick_problem(c.name)) {
        deliver(lines().error("bad-nick", *problem).done());
        return;
    }
    if (c.name == nick()) {
        deliver(lines().info(fmt::format("Your nickname is already {}.", nick())).done());
        return;
    }
    std::string old = nick();
    if (!registration_->rename(c.name)) {
        deliver(
            lines().error("nick-taken", fmt::format("the nickname {} is in use", c.name)).done());
        return;
    }
    rooms_->tell_peers(lines().notice(fmt::format("{} is now known as {}", old, nick())).done(),
                       true);
}

void Session::handle(const cmd::Join& c) {
    const std::string name = with_room_prefix(c.room);
    if (auto problem = room_problem(name)) {
        deliver(lines().error("bad-room", *problem).done());
        return;
    }
    Room* current = rooms_->current();
    if (current != nullptr && fold_case(current->name()) == fold_case(name)) {
        deliver(
            lines().error("already-there", fmt::format("you are in {}", current->name())).done());
        return;
    }
    move_to(state_.rooms.open(name));
}

void Session::handle(const cmd::Leave&) {
    Room& lobby = state_.rooms.lobby();
    if (rooms_->current() == &lobby) {
        deliver(lines()
                    .error("already-there",
                           fmt::format("you are in {}; /quit leaves Parley", lobby.name()))
                    .done());
        return;
    }
    move_to(lobby);
}

void Session::handle(const cmd::Rooms&) {
    const auto rooms = state_.rooms.list();
    Lines out = lines();
    out.info(fmt::format("Rooms ({}):", rooms.size()));
    for (const Room* room : rooms) {
        std::string line =
            fmt::format("{} {} member{}", room->name(), room->size(), room->size() == 1 ? "" : "s");
        if (!room->topic().empty()) {
            line += ": ";
            line += room->topic();
        }
        out.info(line);
    }
    deliver(out.done());
}

void Session::handle(const cmd::Who& c) {
    const Room* room = rooms_->current();
    if (!c.room.empty()) {
        room = state_.rooms.find(with_room_prefix(c.room));
        if (room == nullptr) {
            deliver(lines()
                        .error("no-such-room",
                               fmt::format("there is no room {}", with_room_prefix(c.room)))
                        .done());
            return;
        }
    }
    if (room != nullptr) {
        deliver(lines().info(member_list(*room)).done());
    }
}

void Session::handle(const cmd::Msg& c) {
    Session* to = state_.registry.find(c.nick);
    if (to == nullptr) {
        deliver(lines().error("no-such-nick", fmt::format("nobody is called {}", c.nick)).done());
        return;
    }
    to->deliver(lines().private_message(nick(), c.text).done());
    deliver(lines().private_echo(to->nick(), c.text).done());
}

void Session::handle(const cmd::Topic& c) {
    Room* room = rooms_->current();
    if (room == nullptr) {
        return;
    }
    if (c.text.empty()) {
        deliver(lines()
                    .info(room->topic().empty()
                              ? fmt::format("No topic is set for {}.", room->name())
                              : fmt::format("Topic for {}: {}", room->name(), room->topic()))
                    .done());
        return;
    }
    if (c.text == "-") {
        room->set_topic({});
        room->broadcast(
            lines().notice(fmt::format("{} cleared the topic of {}", nick(), room->name())).done());
        return;
    }
    room->set_topic(std::string(c.text));
    room->broadcast(lines()
                        .notice(fmt::format("{} set the topic of {} to: {}", nick(), room->name(),
                                            room->topic()))
                        .done());
}

void Session::handle(const cmd::Quit& c) {
    finish(c.reason.empty() ? std::string_view("quit") : c.reason, lines().info("Goodbye.").done());
}

void Session::handle(const cmd::Empty&) {}

void Session::handle(const cmd::Error& c) {
    deliver(lines().error(c.code, c.message).done());
}

}  // namespace parley
