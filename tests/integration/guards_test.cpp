// The session coroutine's guards: whichever way a session ends, every guard it holds is
// released (its live-session token, connection slot, nickname and room memberships, all
// visible in the server's counts), its peers are told once, and the server goes on.

#include <catch2/catch.hpp>

#include <cerrno>
#include <string>

#include "tests/integration/harness.hpp"
#include "tests/support/alloc_failure.hpp"

using namespace parley::test;

namespace {

// A config whose limits stay out of the way of the exit being tested.
parley::Config guard_config() {
    auto config = test_config();
    config.rate = 0;
    config.strikes = 0;
    config.history = 0;
    return config;
}

// An observer in #lobby, then `victim` joins; both are counted.
struct Scene {
    explicit Scene(parley::Config config = guard_config()) : server(config) {
        observer = Client::join(server.port(), "watcher");
        victim = Client::join(server.port(), "victim");
        observer->expect_line("-!- guest2 is now known as victim");
        REQUIRE(server.settles_at(2));
    }

    // After the victim's end: only the observer is left, it was told `reason` once, and the
    // nickname is free to take again.
    void check_released(const std::string& reason) {
        CHECK(server.settles_at(1));
        observer->expect_line("-!- victim quit (" + reason + ")");
        auto again = Client::join(server.port(), "victim");  // fails if the nickname were held
        CHECK(again->seen().back().ends_with(" is now known as victim"));
        CHECK(server.settles_at(2));
        observer->say("/who");
        observer->expect_line("--- Members of #lobby (2): victim watcher");
    }

    TestServer server;
    std::unique_ptr<Client> observer;
    std::unique_ptr<Client> victim;
};

}  // namespace

TEST_CASE("guards: end of input releases everything", "[guards]") {
    Scene s;
    s.victim->shutdown_send();
    CHECK(s.victim->closed_within());
    CHECK(s.victim->close_error() == 0);  // an orderly close, after its replies
    s.check_released("connection closed");
}

TEST_CASE("guards: a reset connection releases everything", "[guards]") {
    Scene s;
    s.victim->send("half a li");  // mid-line
    s.victim->reset();
    s.check_released("connection reset");
}

TEST_CASE("guards: /quit releases everything after the goodbye", "[guards]") {
    Scene s;
    s.victim->say("/quit see you");
    s.victim->expect_line("--- Goodbye.");
    CHECK(s.victim->closed_within());
    s.check_released("see you");
}

TEST_CASE("guards: an evicted client is reset and releases everything", "[guards][slow]") {
    auto config = guard_config();
    config.outbox_bytes = 64 * 1024;
    TestServer server(config);
    auto talker = Client::join(server.port(), "talker");
    Client sloth(server.port(), 4096);  // a small receive buffer, and it does not read
    sloth.say("/nick sloth");
    talker->expect_line("-!- guest2 is now known as sloth");
    REQUIRE(server.settles_at(2));

    // The talker's lines fill the kernel's buffers for sloth, then its outbox.
    REQUIRE(talker->talk_until_evicted("sloth"));
    CHECK(server.settles_at(1));
    // The server reset the connection instead of closing it politely: what the kernel held for
    // sloth is freed at once, not kept until sloth reads it all. Reading now drains whatever
    // reached sloth before the reset, then finds the reset instead of an end of stream.
    CHECK(sloth.closed_within());
    CHECK(sloth.close_error() == ECONNRESET);
}

TEST_CASE("guards: an idle timeout releases everything", "[guards]") {
    auto config = guard_config();
    config.idle_timeout = 0.3;
    TestServer server(config);
    auto idle = Client::join(server.port(), "idle");
    idle->expect_line("!!! disconnected: no input for 0.3 seconds");
    CHECK(idle->closed_within());
    CHECK(server.settles_at(0));
}

TEST_CASE("guards: an exception in a handler ends that session only", "[guards][alloc]") {
    auto config = guard_config();
    config.max_line = 1 << 20;
    Scene s(config);
    const std::string huge(200 * 1024, 'x');
    {
        // The victim's half-read line grows past 128 KiB, and that allocation fails inside
        // the session's input handling: the session ends, nobody else notices but the notice.
        FailAllocations fail(128 * 1024);
        s.victim->send(huge);
        CHECK(s.victim->closed_within());
        CHECK(FailAllocations::failures() > 0);
    }
    s.check_released("server error");
    s.observer->say("still fine");
    s.observer->sync();
}

TEST_CASE("guards: shutdown ends every session and waits for none too long", "[guards]") {
    auto config = guard_config();
    config.shutdown_timeout = 1;
    config.outbox_bytes = 64 << 20;
    TestServer server(config);
    auto reader = Client::join(server.port(), "reader");
    auto talker = Client::join(server.port(), "talker");
    Client sloth(server.port(), 4096);  // never reads: its goodbye cannot be delivered
    talker->say("/join #flood");
    sloth.say("/join #flood");
    talker->expect_line("-!- guest3 joined #flood");
    // Fill sloth's buffers, the kernel's (up to 4 MiB here) and then its outbox, so its writer
    // is stuck mid-write when shutdown comes.
    const std::string pad(1000, 'q');
    for (int i = 0; i < 100; ++i) {
        std::string batch;
        for (int k = 0; k < 100; ++k) {
            batch += pad + "\n";
        }
        talker->send(batch);
    }
    talker->sync();
    REQUIRE(server.settles_at(3, 2));

    const Duration took = server.shutdown();
    CHECK(took >= 1s);  // sloth's goodbye could not be written: the shutdown timeout ran out
    CHECK(took < 4s);   // and then sloth was closed
    reader->expect_line("-!- Server is shutting down. Goodbye.");
    CHECK(reader->closed_within());
    CHECK(sloth.closed_within());
    const parley::ServerStats after = server.stats();
    CHECK(after.live_sessions == 0);
    CHECK(after.connections == 0);
    CHECK(after.nicknames == 0);
    CHECK(after.memberships == 0);
    CHECK(after.rooms == 1);  // #flood went with its members
    // Nobody was told anybody quit: everybody was leaving.
    CHECK_FALSE(reader->has_seen("-!- talker quit (server shutdown)"));
}

TEST_CASE("admission: an exception while greeting costs that connection only", "[guards][alloc]") {
    auto config = guard_config();
    config.max_clients = 2;  // a slot that leaked would show as server-full below
    config.motd = {std::string(100 * 1024, 'm')};
    TestServer server(config);
    auto first = Client::join(server.port(), "first");
    {
        // The greeting carries the 100 KiB MOTD line: building it fails.
        FailAllocations fail(64 * 1024);
        Client doomed(server.port());
        CHECK(doomed.closed_within());
        CHECK(FailAllocations::failures() > 0);
    }
    REQUIRE(server.settles_at(1));
    // The acceptor goes on, and the slot came back: a second client fits under max-clients 2.
    auto second = Client::join(server.port(), "second");
    CHECK(second->has_seen("--- " + std::string(100 * 1024, 'm')));
    CHECK(server.settles_at(2));
}

TEST_CASE("admission: an exception while joining #lobby undoes the join", "[guards][alloc]") {
    auto config = guard_config();
    config.max_line = 1 << 20;
    config.history = 10;
    TestServer server(config);
    auto first = Client::join(server.port(), "first");
    // Said while alone: nobody needed the line's wire form yet, so the first joiner's recent
    // messages build it, a 100 KiB allocation.
    const std::string text(100 * 1024, 't');
    first->say(text);
    first->sync();
    {
        // Building the join block fails after the newcomer was already in #lobby and announced.
        FailAllocations fail(64 * 1024);
        Client doomed(server.port());
        CHECK(doomed.closed_within());
    }
    first->expect_line("-!- guest2 joined #lobby");
    first->expect_line("-!- guest2 quit (connection closed)");
    CHECK(server.settles_at(1));
    auto second = Client::join(server.port(), "second");
    CHECK(second->has_seen("#lobby <first> " + text));
    CHECK(server.settles_at(2));
}
