// What rooms can cost is bounded: --max-rooms refuses a new room with a clear error (plain:
// !!! too-many-rooms; IRC: 437) and changes nothing else; joining a room that exists still
// works, and a room that empties makes room for another.

#include <signal.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>

#include "tests/integration/harness.hpp"
#include "tests/integration/process.hpp"
#include "tests/support/temp_dir.hpp"

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

TEST_CASE("SIGHUP applies --max-rooms and --outbox-total", "[rooms][bounds][reload]") {
    parley::test::TempDir dir;
    const std::string config = dir.file("parley.toml");
    const auto write_config = [&](const std::string& text) {
        std::ofstream(config + ".new") << text;
        REQUIRE(std::rename((config + ".new").c_str(), config.c_str()) == 0);
    };
    write_config("max-rooms = 10\noutbox-total = 4194304\n");
    Process server({"--config", config, "--listen", "127.0.0.1:0"});
    const unsigned short port = wait_listening(server, 1)[0].port;
    auto alice = Client::join(port, "alice");
    alice->say("/join a");
    alice->expect_line("-!- alice joined #a");

    write_config("max-rooms = 2\noutbox-total = 8388608\n");
    server.signal(SIGHUP);
    server.wait_for(std::regex(
        R"(reloaded the configuration: changed (max-rooms, outbox-total|outbox-total, max-rooms);)"));
    // #lobby and #a: a third room is refused; the rooms there are stay.
    alice->say("/join b");
    alice->expect_line(
        "!!! too-many-rooms: the server has as many rooms as it takes (2); join "
        "one of /rooms");
    alice->say("/leave");
    alice->expect_line("-!- alice joined #lobby");
    alice->say("/join b");  // #a emptied and is gone: room for #b
    alice->expect_line("-!- alice joined #b");
    server.signal(SIGTERM);
    CHECK(server.wait_exit() == 0);
}
