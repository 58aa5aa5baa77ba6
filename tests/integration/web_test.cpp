// Browsers over the WebSocket endpoint, in the same rooms as nc and IRC users: the real server
// on ephemeral loopback ports, real sockets (tests/integration/web_client.hpp plays the
// browser). The RFC 6455 corner cases and the JSON protocol's details are tested from Python
// too (tests/web/), and the web client itself in Chromium.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>

#include "tests/integration/harness.hpp"
#include "tests/integration/web_client.hpp"

using namespace parley;
using namespace parley::test;
using Json = nlohmann::json;

namespace {

bool is_event(const Json& j, std::string_view kind) {
    return j.value("type", "") == "event" && j.value("kind", "") == kind;
}

}  // namespace

TEST_CASE("a browser, an nc user and an IRC user share #lobby", "[web]") {
    Config config = web_config();
    config.irc_listen = {"127.0.0.1:0"};
    config.server_name = std::string(irc_server_name);
    TestServer server(config);
    auto browser = WebClient::open(server.http_port(), "wendy");
    auto nc = Client::join(server.port(), "nick");
    auto irc = IrcClient::connect(server.irc_port(), "ian");
    irc->send_line("JOIN #lobby");
    irc->expect_numeric(366);
    browser->expect([](const Json& j) { return is_event(j, "join") && j["nick"] == "ian"; });

    browser->send_json({{"type", "say"}, {"room", "#lobby"}, {"text", "hello <b>all</b>"}});
    // The browser's echo carries the id and time every other member's copy has.
    const Json echo = browser->expect_type("event", "message");
    CHECK(echo["nick"] == "wendy");
    CHECK(echo["room"] == "#lobby");
    CHECK(echo["text"] == "hello <b>all</b>");
    CHECK(echo["id"].get<std::uint64_t>() > 0);
    // Milliseconds since the epoch, taken when the server took the message: within a minute of now.
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    CHECK(std::abs(echo["time"].get<std::int64_t>() - now_ms) < 60'000);
    nc->expect_line("#lobby <wendy> hello <b>all</b>");
    irc->expect_suffix("PRIVMSG #lobby :hello <b>all</b>");

    nc->say("from the terminal");
    Json m = browser->expect_type("event", "message");
    CHECK(m["nick"] == "nick");
    CHECK(m["text"] == "from the terminal");
    // IRC's formatting codes are text for terminals and browsers alike: taken out.
    irc->send_line(
        "PRIVMSG #lobby :\x02"
        "bold\x02 move");
    m = browser->expect_type("event", "message");
    CHECK(m["nick"] == "ian");
    CHECK(m["text"] == "bold move");
    irc->send_line(
        "PRIVMSG #lobby :\x01"
        "ACTION waves\x01");
    m = browser->expect_type("event", "action");
    CHECK(m["text"] == "waves");

    // Private messages cross protocols too, and come back to the sender with their target.
    browser->send_json({{"type", "msg"}, {"to", "nick"}, {"text", "psst"}});
    const Json sent = browser->expect_type("event", "message");
    CHECK(sent["target"] == "nick");
    CHECK_FALSE(sent.contains("room"));
    nc->expect_line("*wendy* psst");
    nc->say("/msg wendy back");
    const Json got = browser->expect_type("event", "message");
    CHECK(got["nick"] == "nick");
    CHECK(got["target"] == "wendy");
    CHECK(got["text"] == "back");
}

TEST_CASE("a browser sees presence and keeps its member list", "[web]") {
    TestServer server(web_config());
    auto a = WebClient::open(server.http_port(), "anna");
    auto b = WebClient::open(server.http_port(), "bert");
    a->expect([](const Json& j) { return is_event(j, "nick") && j["text"] == "bert"; });
    a->send_json({{"type", "who"}, {"room", "lobby"}, {"ref", 7}});
    const Json members = a->expect_type("members");
    CHECK(members["ref"] == 7);
    CHECK(members["members"] == Json::parse(R"([{"nick":"anna"},{"nick":"bert"}])"));

    b->send_json({{"type", "join"}, {"room", "#side"}, {"ref", "j1"}});
    const Json joined = b->expect_type("joined");
    CHECK(joined["ref"] == "j1");
    CHECK(joined["room"] == "#side");
    CHECK(joined["members"] == Json::parse(R"([{"nick":"bert","op":true}])"));
    b->send_json({{"type", "topic"}, {"room", "#side"}, {"text", "side talk"}});
    b->expect([](const Json& j) { return is_event(j, "topic") && j["text"] == "side talk"; });
    a->send_json({{"type", "rooms"}});
    const Json rooms = a->expect_type("rooms");
    CHECK(rooms["rooms"] == Json::parse(R"([{"name":"#lobby","members":2},
                                            {"name":"#side","members":1,"topic":"side talk"}])"));
    b->send_json({{"type", "part"}, {"room", "#side"}, {"reason", "done"}});
    const Json part = b->expect_type("event", "part");
    CHECK(part["room"] == "#side");
    CHECK(part["text"] == "done");
    b->reset();
    a->expect([](const Json& j) { return is_event(j, "quit") && j["nick"] == "bert"; });
    CHECK(server.settles_at(1));
}

TEST_CASE("a browser's refused commands are answered with their ref", "[web]") {
    TestServer server(web_config());
    auto a = WebClient::open(server.http_port(), "anna");
    auto b = WebClient::open(server.http_port(), "bert");
    a->send_json({{"type", "nick"}, {"nick", "bert"}, {"ref", "n"}});
    Json e = a->expect_type("error");
    CHECK(e["code"] == "nick-taken");
    CHECK(e["ref"] == "n");
    a->send_json({{"type", "say"}, {"room", "#elsewhere"}, {"text", "x"}, {"ref", 2}});
    e = a->expect_type("error");
    CHECK(e["code"] == "not-in-room");
    CHECK(e["ref"] == 2);
    a->send_json({{"type", "say"}, {"room", "#lobby"}, {"text", "bell\x07"}});
    CHECK(a->expect_type("error")["code"] == "control-character");
    a->send_json({{"type", "say"}, {"room", "#lobby"}, {"text", std::string(5000, 'x')}});
    CHECK(a->expect_type("error")["code"] == "text-too-long");
    a->send_json({{"type", "dance"}});
    CHECK(a->expect_type("error")["code"] == "unknown-command");
    a->send_text("{not json");
    CHECK(a->expect_type("error")["code"] == "bad-json");
    // Nothing of it reached the other browser; the next message does.
    a->send_json({{"type", "say"}, {"room", "#lobby"}, {"text", "fine"}});
    const Json m = b->expect([](const Json& j) { return is_event(j, "message"); });
    CHECK(m["text"] == "fine");
}

TEST_CASE("a browser that floods is told, then disconnected with 1008", "[web]") {
    Config config = web_config();
    config.rate = 1;
    config.burst = 2;
    config.strikes = 3;
    TestServer server(config);
    auto a = WebClient::open(server.http_port(), "flo");
    auto other = WebClient::open(server.http_port(), "ok");
    for (int i = 0; i < 10; ++i) {
        a->send_json({{"type", "say"}, {"room", "#lobby"}, {"text", "spam"}});
    }
    CHECK(a->expect_type("error")["code"] == "flood");
    CHECK(a->expect_close() == ws::close_code::policy_violation);
    CHECK(server.settles_at(1));
    other->sync();  // the other browser is served as before
}

TEST_CASE("a browser that stops reading is evicted; the room goes on", "[web]") {
    Config config = web_config();
    config.rate = 0;  // the talker is as fast as it can be
    config.history = 0;
    config.outbox_bytes = 64 * 1024;
    TestServer server(config);
    auto stuck = WebClient::open(server.http_port(), "stuck", 4096);
    auto talker = Client::join(server.port(), "talker");
    CHECK(talker->talk_until_evicted("stuck"));
    CHECK(server.settles_at(1));
}

TEST_CASE("browsers past --max-clients are refused with 1013 after the upgrade", "[web]") {
    Config config = web_config();
    config.max_clients = 1;
    TestServer server(config);
    auto first = WebClient::open(server.http_port(), "first");
    WebClient second(server.http_port());
    CHECK(second.handshake().starts_with("HTTP/1.1 101 "));
    CHECK(second.expect_close() == ws::close_code::try_again_later);
    CHECK(second.closed_within());
    first->sync();
    CHECK(server.settles_at(1));
}

TEST_CASE("shutdown closes browsers with 1001", "[web]") {
    TestServer server(web_config());
    auto a = WebClient::open(server.http_port(), "anna");
    server.shutdown();
    CHECK(a->expect_close() == ws::close_code::going_away);
}

TEST_CASE("a browser's close is answered in kind and ends its session", "[web]") {
    TestServer server(web_config());
    auto a = WebClient::open(server.http_port(), "anna");
    auto b = WebClient::open(server.http_port(), "bert");
    a->send(ws::masked_frame(ws::Opcode::close, std::string("\x0f\xa0", 2) + "bye", {1, 2, 3, 4}));
    CHECK(a->expect_close() == 4000);
    CHECK(a->closed_within());
    const Json quit = b->expect([](const Json& j) { return is_event(j, "quit"); });
    CHECK(quit["nick"] == "anna");
    CHECK(server.settles_at(1));
}

TEST_CASE("a browser's broken framing closes it with RFC 6455's code", "[web]") {
    TestServer server(web_config());
    SECTION("an unmasked frame: 1002") {
        auto a = WebClient::open(server.http_port());
        a->send(ws::frame(ws::Opcode::text, R"({"type":"rooms"})"));
        CHECK(a->expect_close() == ws::close_code::protocol_error);
    }
    SECTION("a binary message: 1003") {
        auto a = WebClient::open(server.http_port());
        a->send_frame(ws::Opcode::binary, "\x01\x02");
        CHECK(a->expect_close() == ws::close_code::unsupported_data);
    }
    SECTION("text that is not UTF-8, split over fragments: 1007") {
        auto a = WebClient::open(server.http_port());
        a->send_frame(ws::Opcode::text, "{\"type\":\"say\",\"text\":\"\xe2\x82", false);
        a->send_frame(ws::Opcode::continuation, "\x41\"}", true);
        CHECK(a->expect_close() == ws::close_code::invalid_data);
    }
    SECTION("a message past the size limit: 1009") {
        auto a = WebClient::open(server.http_port());
        a->send_frame(ws::Opcode::text, std::string(20000, ' '));
        CHECK(a->expect_close() == ws::close_code::too_big);
    }
    CHECK(server.settles_at(0));
}

TEST_CASE("a fragmented command with a ping between its fragments", "[web]") {
    TestServer server(web_config());
    auto a = WebClient::open(server.http_port(), "anna");
    a->send_frame(ws::Opcode::text, R"({"type":"say",)", false);
    a->send_frame(ws::Opcode::ping, "are you there");
    a->send_frame(ws::Opcode::continuation, R"("room":"#lobby",)", false);
    a->send_frame(ws::Opcode::continuation, R"("text":"in pieces"})", true);
    auto pong = a->next();
    REQUIRE(pong);
    CHECK(pong->kind == ws::Incoming::Kind::pong);
    CHECK(pong->payload == "are you there");
    CHECK(a->expect_type("event", "message")["text"] == "in pieces");
}

TEST_CASE("the upgrade is refused as RFC 6455 and --http-origin say", "[web]") {
    Config config = web_config();
    config.http_origin = "https://chat.example.com";
    TestServer server(config);
    SECTION("an Origin that is not allowed: 403") {
        WebClient a(server.http_port(), "Origin: https://evil.example.net\r\n");
        CHECK(a.handshake().starts_with("HTTP/1.1 403 "));
    }
    SECTION("an allowed Origin") {
        WebClient a(server.http_port(), "Origin: https://chat.example.com\r\n");
        CHECK(a.handshake().starts_with("HTTP/1.1 101 "));
        CHECK(a.expect_type("welcome")["nick"].get<std::string>().starts_with("guest"));
    }
    SECTION("another WebSocket version: 426 with the one spoken") {
        Client raw(server.http_port());
        raw.send(
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n");
        CHECK(raw.line() == "HTTP/1.1 426 Upgrade Required");
        raw.expect_line("Sec-WebSocket-Version: 13");
    }
    SECTION("bytes sent before the answer: 400") {
        Client raw(server.http_port());
        raw.send(
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" +
            ws::masked_frame(ws::Opcode::text, "{}", {1, 2, 3, 4}));
        CHECK(raw.line() == "HTTP/1.1 400 Bad Request");
    }
    CHECK(server.settles_at(0));
}

TEST_CASE("the web client's page is served with its security headers", "[web]") {
    TestServer server(web_config());
    Client raw(server.http_port());
    raw.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    CHECK(raw.line() == "HTTP/1.1 200 OK");
    raw.expect_line("Content-Type: text/html; charset=utf-8");
    raw.expect_prefix("Content-Security-Policy: default-src 'self';");
    raw.expect_line("X-Content-Type-Options: nosniff");
    raw.expect([](std::string_view l) { return l.find("<script") != std::string_view::npos; });
}

TEST_CASE("a quiet browser is pinged, and its pong keeps it from idling out", "[web]") {
    Config config = web_config();
    config.web_ping_interval = 1;
    config.idle_timeout = 2;
    TestServer server(config);
    auto a = WebClient::open(server.http_port(), "anna");
    const auto opened = std::chrono::steady_clock::now();
    // Answering each ping, the browser outlives the idle timeout by far.
    int pongs = 0;
    while (std::chrono::steady_clock::now() - opened < 3500ms) {
        auto frame = a->next(5s);
        REQUIRE(frame);
        REQUIRE(frame->kind == ws::Incoming::Kind::ping);
        a->send_frame(ws::Opcode::pong, frame->payload);
        ++pongs;
    }
    CHECK(pongs >= 2);
    a->sync();
    // Silent, it is pinged, then closed at the idle timeout with 1001.
    CHECK(a->expect_close(5s) == ws::close_code::going_away);
}
