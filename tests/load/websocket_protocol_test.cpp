// The load client's WebSocket protocol: its upgrade request and frames as the server's own
// checks see them, and its parser of the server's frames and JSON, whatever the split.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "load/protocol.hpp"
#include "shared/http/request.hpp"
#include "shared/websocket/frame.hpp"
#include "shared/websocket/handshake.hpp"

using namespace parley::load;
using parley::ws::Opcode;

namespace {

struct Collect {
    std::vector<std::pair<std::string, std::string>> payloads;
    std::vector<std::pair<Control, std::string>> controls;
    void payload(std::string_view room, std::string_view p) { payloads.emplace_back(room, p); }
    void control(Control k, std::string_view t) { controls.emplace_back(k, t); }
};

std::string payload(std::uint64_t seq) {
    std::string s;
    append_payload(s, 64, Payload{2, seq, 5000 + seq});
    return s;
}

std::string server_text(std::string_view json) {
    return parley::ws::frame(Opcode::text, json);
}

// Feeds `stream` in pieces of `step` bytes, carrying what parse() leaves unconsumed (an
// incomplete response head, a text frame cut short) like the engine.
Collect feed(WebSocketClient& s, const std::string& stream, std::size_t step) {
    Collect c;
    std::string buf;
    for (std::size_t at = 0; at < stream.size(); at += step) {
        buf += stream.substr(at, step);
        const std::size_t used = WebSocketProtocol::parse(s, buf.data(), buf.size(), c);
        buf.erase(0, used);
    }
    CHECK(buf.empty());
    return c;
}

// What a client sent, as the server's reader takes it: the JSON of every text message.
std::vector<nlohmann::json> client_messages(const std::string& bytes) {
    parley::ws::MessageReader r(1 << 20, parley::ws::Role::server);
    r.feed(bytes);
    std::vector<nlohmann::json> out;
    parley::ws::Incoming m;
    while (r.next(m)) {
        REQUIRE(m.kind == parley::ws::Incoming::Kind::text);
        out.push_back(nlohmann::json::parse(m.payload));
    }
    return out;
}

}  // namespace

TEST_CASE("websocket: the upgrade request passes the server's own checks") {
    WebSocketClient s;
    std::string req;
    WebSocketProtocol::append_upgrade(req, s.key);
    parley::http::Request r;
    REQUIRE(parley::http::parse_request_head(req, r) == parley::http::ParseStatus::complete);
    CHECK(r.head_size == req.size());  // nothing after the head before the 101
    CHECK(r.path() == "/ws");
    const auto check = parley::ws::check_upgrade(r);
    CHECK(check.status == 101);
    CHECK(check.accept == parley::ws::accept_key(s.key));
    CHECK_FALSE(r.header("Origin"));  // a non-browser client: any --http-origin admits it
    // Each connection has a key of its own.
    CHECK(WebSocketClient().key != s.key);
}

TEST_CASE("websocket: join, publish and pong are masked frames of the contract's JSON") {
    std::string out;
    WebSocketProtocol::append_join(out, "lt1");
    WebSocketProtocol::append_publish(out, "lt1", 64, Payload{7, 9, 11});
    WebSocketProtocol::append_quit(out, "bye");
    const auto msgs = client_messages(out);
    REQUIRE(msgs.size() == 4);
    CHECK(msgs[0] == nlohmann::json{{"type", "join"}, {"room", "#lt1"}});
    CHECK(msgs[1] == nlohmann::json{{"type", "part"}, {"room", "#lobby"}});
    CHECK(msgs[2]["type"] == "say");
    CHECK(msgs[2]["room"] == "#lt1");
    const auto p = decode_payload(msgs[2]["text"].get<std::string>());
    REQUIRE(p);
    CHECK(p->publisher == 7);
    CHECK(p->seq == 9);
    CHECK(msgs[3] == nlohmann::json{{"type", "quit"}, {"reason", "bye"}});

    // Masks differ from frame to frame (RFC 6455 5.3).
    std::string a, b;
    WebSocketProtocol::append_publish(a, "r", 64, Payload{1, 1, 1});
    WebSocketProtocol::append_publish(b, "r", 64, Payload{1, 1, 1});
    CHECK(a != b);

    std::string pong;
    WebSocketProtocol::append_pong(pong, "tok");
    parley::ws::MessageReader r(1024, parley::ws::Role::server);
    r.feed(pong);
    parley::ws::Incoming m;
    REQUIRE(r.next(m));
    CHECK(m.kind == parley::ws::Incoming::Kind::pong);
    CHECK(m.payload == "tok");
}

TEST_CASE("websocket: the 101, the joins and deliveries, however the stream is split") {
    WebSocketClient probe;
    std::string req;
    WebSocketProtocol::append_upgrade(req, probe.key);
    std::string stream = WebSocketProtocol::upgrade_answer(req);
    REQUIRE(stream.starts_with("HTTP/1.1 101 "));
    stream +=
        server_text(R"({"type":"welcome","nick":"guest1","motd":["hi"],"limits":{"text":4096}})");
    stream += server_text(
        R"({"type":"joined","room":"#lobby","topic":null,"members":[{"nick":"guest1"}],"ref":1})");
    stream += server_text(R"({"type":"history","room":"#lobby","events":[],"more":false})");
    // Another's join, in the room: not a delivery.
    stream += server_text(R"({"type":"event","kind":"join","room":"#lt1","nick":"guest2"})");
    // Members in any order, with an escaped quote and nested values before the text.
    stream +=
        server_text(R"({"type":"joined","room":"#lt1","topic":{"text":"a \"}\" b","nick":"x"},)"
                    R"("members":[{"nick":"a","op":true},{"nick":"b"}]})");
    for (std::uint64_t i = 0; i < 10; ++i) {
        if (i % 2 == 0) {
            WebSocketProtocol::append_delivery(stream, "lt1", "alice", payload(i));
        } else {  // the fields in another order, as a JSON library might write them
            stream +=
                server_text(R"({"id":)" + std::to_string(i) + R"(,"kind":"message","nick":"bob",)" +
                            R"("room":"#lt1","text":")" + payload(i) +
                            R"(","time":1796044686123,"type":"event"})");
        }
    }
    // An action is not a message.
    stream +=
        server_text(R"({"type":"event","kind":"action","room":"#lt1","nick":"a","text":"w"})");
    for (std::size_t step : {std::size_t{1}, std::size_t{5}, std::size_t{97}, stream.size()}) {
        INFO("step " << step);
        WebSocketClient s;
        s.key = probe.key;
        const Collect c = feed(s, stream, step);
        CHECK(s.upgraded);
        CHECK(s.ended.empty());
        REQUIRE(c.payloads.size() == 10);
        for (std::uint64_t i = 0; i < 10; ++i) {
            CHECK(c.payloads[i].first == "lt1");
            const auto d = decode_payload(c.payloads[i].second);
            REQUIRE(d);
            CHECK(d->seq == i);
        }
        REQUIRE(c.controls.size() == 7);
        CHECK(c.controls[0].first == Control::registered);
        CHECK(c.controls[1].first == Control::other);  // welcome
        CHECK(c.controls[2] == std::pair<Control, std::string>{Control::joined, "lobby"});
        CHECK(c.controls[3].first == Control::other);  // history
        CHECK(c.controls[4].first == Control::other);  // someone's join
        CHECK(c.controls[5] == std::pair<Control, std::string>{Control::joined, "lt1"});
        CHECK(c.controls[6].first == Control::other);  // the action
    }
}

TEST_CASE("websocket: frames read in place and frames left to the reader give the same") {
    WebSocketClient probe;
    std::string req;
    WebSocketProtocol::append_upgrade(req, probe.key);
    std::string stream = WebSocketProtocol::upgrade_answer(req);
    std::vector<std::string> nicks;  // who sent each delivery, in order (the text's seq)
    const auto delivery_json = [](std::string_view nick, const std::string& text) {
        return R"({"type":"event","kind":"message","id":7,"time":1796044686123,"room":"#lt1",)"
               R"("nick":")" +
               std::string(nick) + R"(","text":")" + text + R"("})";
    };
    std::uint64_t seq = 0;
    // Read in place: Parley's layout, 2- and 4-byte frame headers.
    WebSocketProtocol::append_delivery(stream, "lt1", "alice", payload(seq++));
    stream += server_text(R"({"type":"event","kind":"message","room":"#lt1","text":")" +
                          payload(seq++).substr(0, 40) + R"("})");
    // In place but not ASCII: UTF-8 checked, then the general scanner.
    stream += server_text(delivery_json("zo\\u00eb", payload(seq++)));
    stream += server_text(delivery_json("zo\xc3\xab", payload(seq++)));
    // Left to the reader: a message in three fragments with a ping between them, then a frame
    // over 64 KiB (a 64-bit length), then in place again.
    {
        const std::string json = delivery_json("carol", payload(seq++));
        std::string first = parley::ws::frame(Opcode::text, json.substr(0, 50));
        first[0] = static_cast<char>(0x01);  // text, not FIN
        std::string middle = parley::ws::frame(Opcode::continuation, json.substr(50, 60));
        middle[0] = static_cast<char>(0x00);  // continuation, not FIN
        stream += first + parley::ws::frame(Opcode::ping, "p") + middle +
                  parley::ws::frame(Opcode::continuation, json.substr(110));
    }
    stream += server_text(delivery_json("dave", payload(seq++) + std::string(70000, 'x')));
    WebSocketProtocol::append_delivery(stream, "lt1", "erin", payload(seq++));
    const std::uint64_t deliveries = seq;
    for (std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{200}, stream.size()}) {
        INFO("step " << step);
        WebSocketClient s;
        s.key = probe.key;
        const Collect c = feed(s, stream, step);
        CHECK(s.ended.empty());
        REQUIRE(c.payloads.size() == deliveries);
        for (std::uint64_t i = 0; i < deliveries; ++i) {
            CHECK(c.payloads[i].first == "lt1");
            const auto d = decode_payload(c.payloads[i].second);
            REQUIRE(d);
            CHECK(d->seq == i);
        }
        CHECK(c.payloads[2].second == payload(2));
        CHECK(c.payloads[5].second.size() == 64 + 70000);
        REQUIRE(c.controls.size() == 2);
        CHECK(c.controls[0].first == Control::registered);
        CHECK(c.controls[1] == std::pair<Control, std::string>{Control::ping, "p"});
    }
}

TEST_CASE("websocket: text that is not UTF-8 ends the connection, in place or not") {
    WebSocketClient probe;
    std::string req;
    WebSocketProtocol::append_upgrade(req, probe.key);
    const std::string head = WebSocketProtocol::upgrade_answer(req);
    const std::string bad = R"({"type":"event","kind":"message","room":"#r","text":"a)"
                            "\xff"
                            R"("})";
    std::string fragmented = parley::ws::frame(Opcode::text, bad.substr(0, 10));
    fragmented[0] = static_cast<char>(0x01);
    fragmented += parley::ws::frame(Opcode::continuation, bad.substr(10));
    for (const std::string& frames : {server_text(bad), fragmented}) {
        WebSocketClient s;
        s.key = probe.key;
        std::string stream = head + frames;
        WebSocketProtocol::append_delivery(stream, "r", "a", payload(1));
        const Collect c = feed(s, stream, stream.size());
        CHECK(c.payloads.empty());
        CHECK(s.ended.find("not UTF-8") != std::string::npos);
        CHECK(c.controls.back() == std::pair<Control, std::string>{Control::error, s.ended});
    }
}

TEST_CASE("websocket: the room-message short cut takes Parley's layout and nothing else") {
    std::string_view room, text;
    const std::string ok = R"({"type":"event","kind":"message","id":12,"time":1796044686123,)"
                           R"("room":"#r1","nick":"n","text":"hello"})";
    REQUIRE(detail::plain_ascii(ok));
    REQUIRE(detail::parley_room_message(ok, room, text));
    CHECK(room == "#r1");
    CHECK(text == "hello");
    // Anything else is for the general scanner: a target after the text, no id, a time that
    // is not a number, a key out of place, a cut message.
    for (
        const std::string bad :
        {R"({"type":"event","kind":"message","id":12,"time":1,"room":"#r","nick":"n","text":"x","target":"b"})",
         R"({"type":"event","kind":"message","id":,"time":1,"room":"#r","nick":"n","text":"x"})",
         R"({"type":"event","kind":"message","id":1,"time":"t","room":"#r","nick":"n","text":"x"})",
         R"({"type":"event","kind":"message","id":1,"time":1,"nick":"n","room":"#r","text":"x"})",
         R"({"type":"event","kind":"message","id":1,"time":1,"room":"#r","nick":"n","te"})",
         R"({"type":"event","kind":"message","id":1"})"}) {
        INFO(bad);
        CHECK_FALSE(detail::parley_room_message(bad, room, text));
    }
    CHECK(detail::plain_ascii("0123456789abcdef0123"));
    CHECK_FALSE(detail::plain_ascii("0123456789abcdef012\\"));
    CHECK_FALSE(detail::plain_ascii("0123456789a\\cdef0123"));
    CHECK_FALSE(
        detail::plain_ascii("01234567\xc3\xa9"
                            "abcdef"));
    CHECK_FALSE(detail::plain_ascii("\x80"));
}

TEST_CASE("websocket: a refused or wrong upgrade ends the connection with the reason") {
    SECTION("refused") {
        WebSocketClient s;
        Collect c;
        const std::string resp = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
        CHECK(WebSocketProtocol::parse(s, resp.data(), resp.size(), c) == resp.size());
        CHECK_FALSE(s.upgraded);
        CHECK(s.ended == "websocket upgrade refused: HTTP/1.1 403 Forbidden");
        REQUIRE(c.controls.size() == 1);
        CHECK(c.controls[0].first == Control::error);
    }
    SECTION("an accept for another key") {
        WebSocketClient s;
        std::string other;
        WebSocketProtocol::append_upgrade(other, WebSocketClient().key);
        const std::string resp = WebSocketProtocol::upgrade_answer(other);
        Collect c;
        WebSocketProtocol::parse(s, resp.data(), resp.size(), c);
        CHECK_FALSE(s.upgraded);
        CHECK(s.ended == "websocket upgrade: wrong Sec-WebSocket-Accept");
    }
    SECTION("an incomplete head waits") {
        WebSocketClient s;
        Collect c;
        const std::string part = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n";
        CHECK(WebSocketProtocol::parse(s, part.data(), part.size(), c) == 0);
        CHECK(c.controls.empty());
        CHECK(s.ended.empty());
    }
}

TEST_CASE("websocket: pings, errors, a Close and broken frames") {
    WebSocketClient s;
    std::string req;
    WebSocketProtocol::append_upgrade(req, s.key);
    std::string stream = WebSocketProtocol::upgrade_answer(req);
    stream += parley::ws::frame(Opcode::ping, "p1");
    stream += server_text(R"({"type":"error","code":"flood","text":"slow down","ref":"x"})");

    SECTION("a Close gives its code and reason, and nothing after it counts") {
        stream += parley::ws::close_frame(1013, "server-full: 10 clients");
        WebSocketProtocol::append_delivery(stream, "r", "a", payload(1));
        const Collect c = feed(s, stream, 3);
        CHECK(c.payloads.empty());
        REQUIRE(c.controls.size() == 4);
        CHECK(c.controls[1] == std::pair<Control, std::string>{Control::ping, "p1"});
        CHECK(c.controls[2].first == Control::error);
        CHECK(websocket_error_code(c.controls[2].second) == "flood");
        CHECK(s.ended == "websocket close 1013: server-full: 10 clients");
        CHECK(c.controls[3] == std::pair<Control, std::string>{Control::error, s.ended});
    }
    SECTION("a masked server frame is a protocol failure") {
        stream += parley::ws::masked_frame(Opcode::text, "{}", {1, 2, 3, 4});
        const Collect c = feed(s, stream, stream.size());
        CHECK(s.ended.starts_with("websocket: "));
        CHECK(c.controls.back().first == Control::error);
    }
}

TEST_CASE("websocket: the JSON scanner walks objects and refuses what is not one") {
    std::vector<std::pair<std::string, std::string>> got;
    const auto collect = [&](std::string_view k, std::string_view v) { got.emplace_back(k, v); };
    CHECK(detail::json_members(R"( { "a" : 1 , "b":"x\\\"y", "c":[1,{"d":"]"}], "e":null } )",
                               collect));
    REQUIRE(got.size() == 4);
    CHECK(got[0] == std::pair<std::string, std::string>{"a", "1"});
    CHECK(got[1] == std::pair<std::string, std::string>{"b", R"(x\\\"y)"});
    CHECK(got[2] == std::pair<std::string, std::string>{"c", R"([1,{"d":"]"}])"});
    CHECK(got[3] == std::pair<std::string, std::string>{"e", "null"});
    CHECK(detail::json_members("{}", collect));
    for (const char* bad : {"", "[]", "{", R"({"a")", R"({"a":})", R"({"a":1,})", R"({"a":"x)",
                            R"({"a":1} x)", R"({"a":[1,2})", R"({a:1})"}) {
        INFO(bad);
        CHECK_FALSE(detail::json_members(bad, [](std::string_view, std::string_view) {}));
    }
    CHECK(websocket_error_code(R"({"type":"event","code":"x"})").empty());
    CHECK(websocket_error_code(R"({"code":"bad-room","type":"error"})") == "bad-room");
}
