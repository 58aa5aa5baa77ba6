// What rooms can cost is bounded: --max-rooms refuses a new room with a clear error (plain:
// !!! too-many-rooms; IRC: 437) and changes nothing else; joining a room that exists still
// works, and a room that empties makes room for another.

#include <catch2/catch.hpp>

#include "tests/integration/harness.hpp"

using namespace parley::test;

TEST_CASE("rooms: past --max-rooms a new room is refused, nothing else changes",
          "[rooms][bounds]") {
    auto config = irc_config();
    config.max_rooms = 3;  // #lobby and two more
    config.rate = 0;
    TestServer server(config);
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    auto carol = Client::join(server.port(), "carol");
    alice->say("/join a");
    alice->expect_line("-!- alice joined #a");
    bob->say("/join b");
    bob->expect_line("-!- bob joined #b");

    carol->say("/join c");
    carol->expect_line(
        "!!! too-many-rooms: the server has as many rooms as it takes (3); join "
        "one of /rooms");
    // Carol is where she was, and the rooms are as they were.
    carol->say("/who");
    carol->expect_line("--- Members of #lobby (1): carol");
    carol->say("/rooms");
    carol->expect_line("--- Rooms (3):");
    carol->expect_line("--- #lobby 1 member");
    carol->expect_line("--- #a 1 member");
    carol->expect_line("--- #b 1 member");

    // IRC alike, in its words.
    auto dave = IrcClient::connect(server.irc_port(), "dave");
    dave->send_line("JOIN #c");
    CHECK(dave->expect_numeric(437) ==
          numeric_prefix(437) +
              "dave #c :The server has as many channels as it takes; join an existing one");
    dave->send_line("JOIN #a");
    dave->expect(
        [](std::string_view l) { return l.starts_with(":dave!") && l.ends_with("JOIN #a"); });

    // A room that exists may be joined; one that empties is gone, and makes room.
    carol->say("/join a");
    carol->expect_line("-!- carol joined #a");
    bob->say("/leave");
    bob->expect_line("-!- bob joined #lobby");
    carol->say("/join c");
    carol->expect_line("-!- carol joined #c");
    CHECK(server.settles_to(parley::ServerStats{
        .live_sessions = 4, .connections = 4, .nicknames = 4, .rooms = 3, .memberships = 4}));
}
