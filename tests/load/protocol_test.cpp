#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "load/protocol.hpp"

using namespace parley::load;

namespace {

struct Collect {
    std::vector<std::pair<std::string, std::string>> payloads;
    std::vector<std::pair<Control, std::string>> controls;
    void payload(std::string_view room, std::string_view p) { payloads.emplace_back(room, p); }
    void control(Control k, std::string_view t) { controls.emplace_back(k, t); }
};

std::string payload(std::uint64_t seq) {
    std::string s;
    append_payload(s, 48, Payload{3, seq, 1000 + seq});
    return s;
}

// Feeds the stream in pieces of `step` bytes, carrying the unconsumed rest like the engine.
Collect feed(Protocol p, const std::string& stream, std::size_t step) {
    Collect c;
    std::string buf;
    for (std::size_t at = 0; at < stream.size(); at += step) {
        buf += stream.substr(at, step);
        const std::size_t used = parse_stream(p, buf.data(), buf.size(), c);
        buf.erase(0, used);
    }
    REQUIRE(buf.empty());
    return c;
}

}  // namespace

TEST_CASE("deliveries of every protocol are cut out whole, however the stream is split") {
    for (Protocol p : {Protocol::parley, Protocol::redis, Protocol::nats}) {
        std::string stream;
        for (std::uint64_t i = 0; i < 20; ++i) {
            append_delivery(p, stream, "room1", "alice", payload(i));
        }
        for (std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{100}, stream.size()}) {
            INFO(protocol_name(p) << " step " << step);
            const Collect c = feed(p, stream, step);
            REQUIRE(c.payloads.size() == 20);
            REQUIRE(c.controls.empty());
            for (std::uint64_t i = 0; i < 20; ++i) {
                CHECK(c.payloads[i].first == "room1");
                const auto d = decode_payload(c.payloads[i].second);
                REQUIRE(d);
                CHECK(d->seq == i);
            }
        }
    }
}

TEST_CASE("parley: control lines are told from room messages") {
    const std::string stream =
        "--- Your nickname is guest7. Change it with /nick NAME.\r\n"
        "-!- guest7 joined #lt1\r\n"
        "#lt1 * bob waves\r\n"
        "#lt1 <bob> " +
        payload(1) +
        "\r\n"
        "!!! flood: slow down\r\n";
    const Collect c = feed(Protocol::parley, stream, 5);
    REQUIRE(c.payloads.size() == 1);
    REQUIRE(c.controls.size() == 4);
    CHECK(parley_welcome_nick(c.controls[0].second) == "guest7");
    CHECK(parley_is_join(c.controls[1].second, "guest7", "lt1"));
    CHECK_FALSE(parley_is_join(c.controls[1].second, "guest", "lt1"));
    CHECK_FALSE(parley_is_join(c.controls[1].second, "guest7", "lt"));
    CHECK(parley_error_code(c.controls[3].second) == "flood");
    std::string_view nick, reason;
    REQUIRE(parley_quit("-!- slow3 quit (too slow)", nick, reason));
    CHECK(nick == "slow3");
    CHECK(reason == "too slow");
    CHECK(parley_room_members("--- #lt1 12 members") == 12);
    CHECK(parley_room_members("--- #lt1 1 member: topic") == 1);
    CHECK(parley_room_members("--- Rooms (2):") == -1);
}

TEST_CASE("redis: subscribe confirmation, pong, errors and publish replies") {
    const std::string stream =
        "*3\r\n$9\r\nsubscribe\r\n$3\r\nlt1\r\n:1\r\n+PONG\r\n:5\r\n-ERR wrong\r\n";
    const Collect c = feed(Protocol::redis, stream, 3);
    REQUIRE(c.controls.size() == 4);
    CHECK(c.controls[0].first == Control::subscribed);
    CHECK(c.controls[0].second == "lt1");
    CHECK(c.controls[1].first == Control::pong);
    CHECK(c.controls[2].first == Control::other);
    CHECK(c.controls[3].first == Control::error);
}

TEST_CASE("nats: PING must be answered, PONG means ready") {
    const std::string stream =
        "INFO {\"server_id\":\"x\"}\r\nPING\r\nPONG\r\n-ERR 'Slow Consumer'\r\n";
    const Collect c = feed(Protocol::nats, stream, 4);
    REQUIRE(c.controls.size() == 4);
    CHECK(c.controls[0].first == Control::other);
    CHECK(c.controls[1].first == Control::ping);
    CHECK(c.controls[2].first == Control::pong);
    CHECK(c.controls[3].first == Control::error);
}

TEST_CASE("publish framing") {
    const Payload pl{1, 2, 3};
    std::string s;
    append_publish(Protocol::parley, s, "lt1", 40, pl);
    CHECK(s.size() == 41);
    CHECK(s.back() == '\n');
    s.clear();
    append_publish(Protocol::nats, s, "lt1", 40, pl);
    CHECK(s.starts_with("PUB lt1 40\r\n"));
    s.clear();
    append_publish(Protocol::redis, s, "lt1", 40, pl);
    CHECK(s.starts_with("*3\r\n$7\r\nPUBLISH\r\n$3\r\nlt1\r\n$40\r\n"));
    s.clear();
    append_subscribe(Protocol::nats, s, "lt1");
    CHECK(s.find("SUB lt1 1\r\nPING\r\n") != std::string::npos);
}

TEST_CASE("redis: a message push with a malformed length falls back to the general parser") {
    const std::string stream = "*3\r\n$7\r\nmessage\r\n$x\r\nlt1\r\n$2\r\nhi\r\n+PONG\r\n";
    Collect c;
    std::string buf = stream;
    const std::size_t used = parse_stream(Protocol::redis, buf.data(), buf.size(), c);
    CHECK(used == buf.size());
    CHECK(c.payloads.empty());
    REQUIRE(!c.controls.empty());
    CHECK(c.controls.front().first == Control::error);
    CHECK(c.controls.back().first == Control::pong);
}
