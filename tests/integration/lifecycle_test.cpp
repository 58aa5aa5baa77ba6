// Connections coming and going: slow readers, abrupt disconnects, limits, idle clients,
// end of input, and shutdown.

#include <catch2/catch.hpp>

#include "tests/integration/harness.hpp"

using namespace parley::test;

TEST_CASE("a client that never reads is evicted; the others lose nothing", "[lifecycle][slow]") {
    auto config = test_config();
    // Above one read's worth of fan-out (the server reads 64 KiB at a time): a healthy reader
    // must not be evicted for a burst it had no chance to read yet.
    config.outbox_bytes = 256 * 1024;
    config.rate = 0;
    config.history = 0;
    TestServer server(config);
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    Client sloth(server.port(), 4096);  // small receive buffer, and it never reads
    sloth.say("/nick sloth");
    alice->expect_line("-!- guest3 is now known as sloth");
    bob->expect_line("-!- guest3 is now known as sloth");

    // alice talks in rounds; bob reads every round. The server and kernel buffers fill up for
    // sloth until its outbox passes 256 KiB. Bounded: at most 40 MB in all.
    const std::string pad(900, 'p');
    int sent = 0;
    bool evicted = false;
    for (int round = 0; round < 400 && !evicted; ++round) {
        std::string batch;
        for (int i = 0; i < 100; ++i) {
            batch += std::to_string(sent++) + " " + pad + "\n";
        }
        alice->send(batch);
        for (int i = sent - 100; i < sent; ++i) {
            bob->expect_line(std::string("#lobby <alice> ") + std::to_string(i) + " " + pad);
        }
        // The eviction notice reaches alice, whom nothing else is sent to.
        alice->send("/who\n");
        const std::string who = alice->expect_prefix("--- Members of #lobby");
        evicted = who == "--- Members of #lobby (2): alice bob";
    }
    REQUIRE(evicted);
    CHECK(alice->has_seen("-!- sloth quit (too slow)"));
    // bob got every line, in order, with nothing missing (checked line by line above), and
    // keeps chatting.
    bob->say("still here");
    alice->expect_line("#lobby <bob> still here");
    CHECK(sloth.closed_within());
}

TEST_CASE("abrupt disconnects leave no trace in rooms, registry or counters", "[lifecycle]") {
    auto config = test_config();
    config.max_per_address = 3;
    TestServer server(config);
    auto alice = Client::join(server.port(), "alice");
    for (int i = 0; i < 3; ++i) {  // three times the limit's worth of crashed clients
        auto crash = Client::join(server.port(), "crash");
        auto half = Client::join(server.port(), "half");
        crash->send("half a li");  // mid-line
        crash->reset();
        alice->expect_line("-!- crash quit (connection reset)");
        half->send("/nick partial");  // mid-command, then the sending side closes
        half->shutdown_send();
        alice->expect_line("-!- half quit (connection closed)");
        CHECK(half->closed_within());
    }
    alice->say("/who");
    alice->expect_line("--- Members of #lobby (1): alice");
    CHECK_FALSE(alice->has_seen("#lobby <crash> half a li"));
    // The nicknames are free again and the address's count is back to one.
    auto again = Client::join(server.port(), "crash");
    auto two = Client::join(server.port(), "half");
    alice->expect_line("-!- " + two->seen()[1].substr(21, 6) + " is now known as half");
}

TEST_CASE("closing the sending side still delivers the replies", "[lifecycle]") {
    TestServer server;
    Client c(server.port());
    c.send("/nick early\n/rooms\n");
    c.shutdown_send();
    c.expect_line("--- #lobby 1 member");
    CHECK(c.closed_within());
}

TEST_CASE("per-address and total connection limits refuse with a reason", "[lifecycle]") {
    auto config = test_config();
    SECTION("per address") {
        config.max_per_address = 2;
        TestServer server(config);
        Client a(server.port()), b(server.port());
        a.expect_prefix("--- Members");
        b.expect_prefix("--- Members");
        Client refused(server.port());
        CHECK(refused.line() ==
              "!!! address-limit: too many connections from your address; try later");
        CHECK(refused.closed_within());
        // Another source address is counted on its own.
        Client other(server.port(), 0, "127.0.0.2");
        other.expect_prefix("--- Members");
    }
    SECTION("in all") {
        config.max_clients = 2;
        TestServer server(config);
        Client a(server.port()), b(server.port());
        a.expect_prefix("--- Members");
        b.expect_prefix("--- Members");
        Client refused(server.port(), 0, "127.0.0.3");
        CHECK(refused.line() ==
              "!!! server-full: the server has as many connections as it takes; try later");
        CHECK(refused.closed_within());
    }
}

TEST_CASE("an idle client is disconnected after --idle-timeout", "[lifecycle]") {
    auto config = test_config();
    config.idle_timeout = 0.3;
    TestServer server(config);
    Client idle(server.port());
    idle.expect_line("!!! disconnected: no input for 0.3 seconds");
    CHECK(idle.closed_within());
}

TEST_CASE("shutdown tells every client and flushes what was queued", "[lifecycle]") {
    auto server = std::make_unique<TestServer>();
    auto alice = Client::join(server->port(), "alice");
    auto bob = Client::join(server->port(), "bob");
    alice->say("last words");
    bob->expect_line("#lobby <alice> last words");
    server.reset();  // stops gracefully and waits for the sessions
    for (Client* c : {alice.get(), bob.get()}) {
        c->expect_line("-!- Server is shutting down. Goodbye.");
        CHECK(c->closed_within());
    }
    CHECK_FALSE(alice->has_seen("-!- bob quit (server shutdown)"));
}

TEST_CASE("shutdown does not wait forever for a client that does not read", "[lifecycle]") {
    auto config = test_config();
    config.shutdown_timeout = 0.2;
    config.rate = 0;
    auto server = std::make_unique<TestServer>(config);
    auto alice = Client::join(server->port(), "alice");
    Client sloth(server->port(), 4096);
    sloth.say("/nick sloth");
    alice->expect_line("-!- guest2 is now known as sloth");
    std::string batch;
    for (int i = 0; i < 400; ++i) {
        batch += std::string(1000, 'x') + "\n";
    }
    alice->send(batch);
    alice->sync();
    server.reset();  // returns once the deadline closed sloth
    CHECK(alice->closed_within());
}

TEST_CASE("a client that quits but never reads its last lines is closed after the linger",
          "[lifecycle][slow]") {
    auto config = test_config();
    config.rate = 0;
    config.outbox_bytes = 16 * 1024 * 1024;  // not evicted: this is about the linger
    config.quit_linger = 0.3;
    TestServer server(config);
    auto alice = Client::join(server.port(), "alice");
    Client sloth(server.port(), 4096);
    sloth.say("/nick sloth");
    alice->expect_line("-!- guest2 is now known as sloth");
    // 8 MB for sloth: more than the kernel buffers between the server and sloth can hold, so
    // its session is still writing when it asks to quit.
    const std::string line = std::string(1000, 'x') + "\n";
    std::string batch;
    for (int i = 0; i < 1000; ++i) {
        batch += line;
    }
    for (int i = 0; i < 8; ++i) {
        alice->send(batch);
    }
    alice->sync();
    sloth.say("/quit");
    // Peers hear of a quit when the session ends; only the linger can end this one.
    alice->expect_line("-!- sloth quit (quit)");
    CHECK(sloth.closed_within());
}
