// Room history and topics kept in SQLite (a temporary --data-dir): what survives a restart,
// what a room created again gets back, and /history paging back past the recent messages.

#include <catch2/catch.hpp>

#include "tests/integration/harness.hpp"
#include "tests/support/temp_dir.hpp"

using namespace parley;
using namespace parley::test;

namespace {

Config stored_in(const TempDir& dir, std::size_t history = 50) {
    Config c = test_config();
    c.data_dir = dir.path();
    c.history = history;
    c.rate = 0;  // the tests send faster than people type
    return c;
}

// The lines a new client of `port` reads up to the end of its lobby scrollback.
std::vector<std::string> lobby_scrollback(Client& c) {
    c.expect_line("--- Recent messages in #lobby:");
    std::vector<std::string> out;
    for (;;) {
        auto line = c.line();
        REQUIRE(line);
        if (*line == "--- End of recent messages.") {
            return out;
        }
        out.push_back(*line);
    }
}

}  // namespace

TEST_CASE("history and topics survive a restart", "[history]") {
    TempDir dir;
    {
        TestServer server(stored_in(dir));
        auto alice = Client::join(server.port(), "alice");
        alice->say("/topic kept across restarts");
        alice->say("first words");
        alice->say("/me stays");
        alice->say("/join #side");
        alice->say("/topic side topic");
        alice->say("in the side room");
        alice->sync();
    }
    TestServer server(stored_in(dir));
    Client bob(server.port());
    bob.expect_line("--- Topic for #lobby: kept across restarts");
    CHECK(lobby_scrollback(bob) ==
          std::vector<std::string>{"#lobby <alice> first words", "#lobby * alice stays"});
    // #side is created again: its scrollback and topic come back from the store.
    bob.say("/join #side");
    bob.expect_line("--- Topic for #side: side topic");
    bob.expect_line("--- Recent messages in #side:");
    bob.expect_line("#side <alice> in the side room");
    bob.expect_line("--- End of recent messages.");
    // New messages continue the ids: they come after the stored ones.
    bob.say("later");
    bob.say("/history");
    bob.expect_line("--- No earlier messages in #side.");
}

TEST_CASE("/history pages back past the recent messages, a page at a time", "[history]") {
    TempDir dir;
    TestServer server(stored_in(dir, 2));
    auto alice = Client::join(server.port(), "alice");
    for (int i = 1; i <= 5; ++i) {
        alice->say("m" + std::to_string(i));
    }
    alice->sync();
    auto bob = Client::join(server.port(), "bob");  // saw m4 and m5 on joining
    REQUIRE(bob->has_seen("#lobby <alice> m5"));
    REQUIRE_FALSE(bob->has_seen("#lobby <alice> m3"));
    bob->say("/history 2");
    bob->expect_line("--- Earlier messages in #lobby (2):");
    bob->expect_line("#lobby <alice> m2");
    bob->expect_line("#lobby <alice> m3");
    bob->expect_line("--- End of earlier messages.");
    bob->say("/history");
    bob->expect_line("--- Earlier messages in #lobby (1):");
    bob->expect_line("#lobby <alice> m1");
    bob->expect_line("--- End of earlier messages.");
    bob->say("/history");
    bob->expect_line("--- No earlier messages in #lobby.");
}

TEST_CASE("/history is bounded per request and rate-limited", "[history]") {
    TempDir dir;
    TestServer server(stored_in(dir));
    auto alice = Client::join(server.port(), "alice");
    alice->say("/history 101");
    alice->expect_line("!!! usage: expected /history [N], N from 1 to 100");
    alice->say("/history 0");
    alice->expect_line("!!! usage: expected /history [N], N from 1 to 100");
    // Both lines in one read: the second comes while the first is with the store.
    alice->send("/history\n/history\n");
    alice->expect_line("!!! flood: one /history at a time, and at most one a second after twenty");
    alice->expect_line("--- No earlier messages in #lobby.");
    // Twenty in a row, then one a second: asked for again and again, one is soon refused.
    bool refused = false;
    for (int i = 0; i < 30 && !refused; ++i) {
        alice->say("/history");
        refused = alice
                      ->expect([](std::string_view l) {
                          return l.starts_with("!!! flood") || l.starts_with("--- No earlier");
                      })
                      .starts_with("!!! flood");
    }
    CHECK(refused);
}

TEST_CASE("/history without a data directory pages through the recent messages", "[history]") {
    Config c = test_config();
    c.rate = 0;
    TestServer server(c);
    auto alice = Client::join(server.port(), "alice");
    alice->say("only");
    alice->say("/history");
    alice->expect_line("--- Earlier messages in #lobby (1):");
    alice->expect_line("#lobby <alice> only");
    alice->expect_line("--- End of earlier messages.");
}
