// Bad input gets a clear error, changes nothing else, and never reaches another terminal.

#include <catch2/catch.hpp>

#include "tests/integration/harness.hpp"

using namespace parley::test;

namespace {
bool is_error(std::string_view l, std::string_view code) {
    return l.rfind("!!! " + std::string(code) + ": ", 0) == 0;
}
bool contains_byte(const std::vector<std::string>& lines, char b) {
    for (const auto& l : lines) {
        if (l.find(b) != std::string::npos) {
            return true;
        }
    }
    return false;
}
}  // namespace

TEST_CASE("an over-long line is refused, discarded to its end, and the connection kept",
          "[hostile]") {
    auto config = test_config();
    config.max_line = 100;
    TestServer server(config);
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");

    SECTION("in one piece") {
        bob->send(std::string(500, 'x') + "\n");
    }
    SECTION("dribbled in pieces, ending in CRLF") {
        for (int i = 0; i < 10; ++i) {
            bob->send(std::string(50, 'x'));
        }
        bob->send("\r\n");
    }
    bob->expect_line("!!! line-too-long: lines are limited to 100 bytes; the line was discarded");
    bob->say(std::string(100, 'y'));  // exactly at the limit is fine
    bob->say("still here");
    alice->expect_line("#lobby <bob> " + std::string(100, 'y'));
    alice->expect_line("#lobby <bob> still here");
    for (const auto& l : alice->seen()) {
        CHECK(l.find("xxxxxxxxxx") == std::string::npos);
    }
}

TEST_CASE("repeated abuse disconnects", "[hostile]") {
    auto config = test_config();
    config.max_line = 100;
    config.strikes = 5;
    TestServer server(config);
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    // In one write: the server may end the session after the fifth line, and a later write of
    // ours would then meet the closed connection (EPIPE) instead of reading why it closed.
    std::string abuse;
    for (int i = 0; i < 10; ++i) {
        abuse += std::string(200, 'x') + "\n";
    }
    bob->send(abuse);
    bob->expect([](std::string_view l) { return is_error(l, "disconnected"); });
    CHECK(bob->closed_within());
    alice->expect_line("-!- bob quit (abuse)");
}

TEST_CASE("invalid UTF-8 is refused and nothing is delivered", "[hostile]") {
    TestServer server;
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    for (const char* bad : {"caf\xc3", "\xc0\xaf overlong slash", "\xed\xa0\x80 surrogate",
                            "\xf4\x90\x80\x80 past U+10FFFF", "stray \x80 continuation"}) {
        bob->say(bad);
        CHECK(is_error(bob->expect_prefix("!!! "), "bad-utf8"));
    }
    bob->say("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
    alice->expect_line("#lobby <bob> caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
    for (const auto& l : alice->seen()) {
        CHECK(l.find("overlong") == std::string::npos);
        CHECK(l.find("continuation") == std::string::npos);
    }
}

TEST_CASE("control characters and escape sequences never reach another terminal", "[hostile]") {
    TestServer server;
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    for (std::string bad :
         {std::string("\x1b[2J\x1b[31mred"), std::string("bell\x07"),
          std::string("nul\0inside", 10), std::string("back\bspace"), std::string("del\x7f"),
          std::string("c1 \xc2\x9b"
                      "31m"),
          std::string("\x1b]0;title\x07")}) {
        bob->say(bad);
        CHECK(is_error(bob->expect_prefix("!!! "), "control-character"));
    }
    bob->say("/nick evil\x1b[0m");
    CHECK(is_error(bob->expect_prefix("!!! "), "control-character"));
    bob->say("/topic \x1b[5mblink");
    CHECK(is_error(bob->expect_prefix("!!! "), "control-character"));
    bob->say("tab\there is fine");
    alice->expect_line("#lobby <bob> tab here is fine");
    for (char b : {'\x1b', '\x07', '\0', '\b', '\x7f', '\t'}) {
        CHECK_FALSE(contains_byte(alice->seen(), b));
    }
}

TEST_CASE("telnet negotiation is removed, refused, and never echoed", "[hostile][telnet]") {
    TestServer server;
    auto alice = Client::join(server.port(), "alice");
    Client t(server.port());
    t.expect_prefix("--- Members of #lobby");
    // WILL NAWS, DO ECHO, a subnegotiation, and a command split across two sends.
    using namespace std::string_literals;  // the subnegotiation holds a NUL
    t.send("\xff\xfb\x1f\xff\xfd\x01\xff\xfa\x18\x00xterm\xff\xf0/nick tel\xff"s);
    t.send("\xf1net\r\nhel\xff\xf1lo\r\n");
    alice->expect_suffix(" is now known as telnet");
    alice->expect_line("#lobby <telnet> hello");
    // The refusals go back to the telnet client only: DONT NAWS, WONT ECHO.
    t.sync();
    std::string received;
    for (const auto& l : t.seen()) {
        received += l;
    }
    CHECK(received.find("\xff\xfe\x1f") != std::string::npos);
    CHECK(received.find("\xff\xfc\x01") != std::string::npos);
    CHECK_FALSE(contains_byte(alice->seen(), '\xff'));
}

TEST_CASE("telnet Ctrl-C (IAC IP) and Ctrl-D end the session politely", "[hostile][telnet]") {
    TestServer server;
    auto alice = Client::join(server.port(), "alice");
    auto t = Client::join(server.port(), "tel");
    SECTION("IAC IP") {
        t->send("\xff\xf4\xff\xfd\x06");  // what telnet sends for Ctrl-C: IP, DO TIMING-MARK
        // The refusal of TIMING-MARK (IAC WONT 6) comes first, in the same line as the goodbye.
        t->expect_line("\xff\xfc\x06--- Goodbye.");
        CHECK(t->closed_within());
        alice->expect_line("-!- tel quit (interrupted)");
    }
    SECTION("Ctrl-D at the start of a line") {
        t->send("\x04\r\n");
        t->expect_line("--- Goodbye.");
        CHECK(t->closed_within());
        alice->expect_line("-!- tel quit (quit)");
    }
}

TEST_CASE("a flood is refused with one notice, sustained flooding disconnects", "[hostile]") {
    auto config = test_config();
    config.rate = 0.01;  // no token comes back while the test runs
    config.burst = 5;
    config.strikes = 20;
    TestServer server(config);
    auto alice = Client::join(server.port(), "alice");
    auto bob = Client::join(server.port(), "bob");
    std::string flood;
    for (int i = 0; i < 8; ++i) {
        flood += std::string("flood ") + std::to_string(i) + "\n";
    }
    bob->send(flood);
    bob->expect([](std::string_view l) { return is_error(l, "flood"); });
    // The burst got through, in order (its first line was bob's /nick); the rest was dropped.
    for (int i = 0; i < 4; ++i) {
        alice->expect_line(std::string("#lobby <bob> flood ") + std::to_string(i));
    }
    std::string more;
    for (int i = 0; i < 100; ++i) {
        more += "more\n";
    }
    bob->send(more);
    bob->expect([](std::string_view l) { return is_error(l, "disconnected"); });
    CHECK(bob->closed_within());
    alice->expect_line("-!- bob quit (flooding)");
    // One flood notice per burst of dropped lines, not one per line.
    int notices = 0;
    for (const auto& l : bob->seen()) {
        notices += is_error(l, "flood") ? 1 : 0;
    }
    CHECK(notices == 1);
    CHECK_FALSE(alice->has_seen("#lobby <bob> more"));
}
