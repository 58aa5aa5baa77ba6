// The release paths of a session's guards allocate nothing that could fail, or survive the
// failure: with every allocation failing, a session still leaves its rooms, gives back its
// nickname and its connection slot, and nothing throws out of a destructor (which would end
// the server).

#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "server/config.hpp"
#include "server/connection_limits.hpp"
#include "server/line_front_end.hpp"
#include "server/memberships.hpp"
#include "server/registry.hpp"
#include "server/room_directory.hpp"
#include "server/server_state.hpp"
#include "server/session.hpp"
#include "tests/support/alloc_failure.hpp"

namespace parley {
// Session's outbox is its own; the tests read what was queued for a session through this.
struct SessionProbe {
    static Outbox& outbox(Session& s) { return s.outbox_; }
};
}  // namespace parley

using namespace parley;
using parley::test::FailAllocations;

namespace {

// A session as the session coroutine holds it, with its guards, but no connection: what it is
// sent stays in its outbox, where the test reads it.
struct Client {
    Client(asio::io_context& io, ServerState& state, const std::string& nick)
        : socket(io.get_executor()), session(socket, state, Protocol::plain), front(session) {
        slot.emplace(state.limits, "127.0.0.1");
        registration.emplace(state.registry.add_guest(session));
        REQUIRE(registration->rename(nick));
        rooms.emplace(session);
        session.admit(front, *registration, *rooms);
    }

    // Everything queued for this member so far.
    std::string received() {
        std::string out;
        SessionProbe::outbox(session).take(out, std::string::npos);
        return out;
    }

    // The guards, released in the session coroutine's order.
    void release() {
        rooms.reset();
        registration.reset();
        slot.reset();
    }

    Socket socket;
    Session session;
    LineFrontEnd front;
    std::optional<ConnectionSlot> slot;
    std::optional<Registration> registration;
    std::optional<Memberships> rooms;
};

}  // namespace

TEST_CASE("release: a quit notice is sent when memory allows", "[release]") {
    asio::io_context io;
    Config config;
    ServerState state(config);
    Client alice(io, state, "alice");
    Client bob(io, state, "bob");
    bob.received();  // the greeting and join blocks
    alice.release();
    CHECK(bob.received().find("-!- alice quit (connection closed)") != std::string::npos);
    CHECK(state.rooms.lobby().size() == 1);
    CHECK(state.registry.size() == 1);
    CHECK(state.limits.connections() == 1);
}

TEST_CASE("release: with every allocation failing, the guards still let go", "[release][alloc]") {
    asio::io_context io;
    Config config;
    ServerState state(config);
    Client alice(io, state, "alice");
    Client bob(io, state, "bob");
    alice.rooms->join(state.rooms.open("#side"), 0);  // in two rooms: a room to close as well
    bob.received();
    REQUIRE(state.rooms.find("#side") != nullptr);
    const std::size_t failed_before = FailAllocations::failures();
    {
        FailAllocations fail(1);
        alice.release();  // the quit notice cannot be built; the rest must happen
    }
    CHECK(FailAllocations::failures() > failed_before);             // something did try to allocate
    CHECK(bob.received().find("alice quit") == std::string::npos);  // no notice, no crash
    CHECK(state.rooms.find("#side") == nullptr);
    CHECK(state.rooms.lobby().size() == 1);
    CHECK(state.registry.size() == 1);
    CHECK(state.registry.find("alice") == nullptr);
    CHECK(state.limits.connections() == 1);
    bob.release();
    CHECK(state.rooms.lobby().size() == 0);
    CHECK(state.registry.size() == 0);
    CHECK(state.limits.connections() == 0);
}
