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
    for (Protocol p : {Protocol::parley, Protocol::redis, Protocol::nats, Protocol::irc}) {
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
    append_publish(Protocol::irc, s, "lt1", 40, pl);
    CHECK(s.starts_with("PRIVMSG #lt1 :L"));
    CHECK(s.size() == 14 + 40 + 2);
    CHECK(s.ends_with("\r\n"));
    s.clear();
    append_subscribe(Protocol::nats, s, "lt1", "");
    CHECK(s.find("SUB lt1 1\r\nPING\r\n") != std::string::npos);
    s.clear();
    // IRC registers first; the JOIN waits for the server's 001.
    append_subscribe(Protocol::irc, s, "lt1", "lt1c7");
    CHECK(s == "NICK lt1c7\r\nUSER load 0 * :parley-load\r\n");
    s.clear();
    append_publisher_hello(Protocol::irc, s, "lt1", "lt1c8");
    CHECK(s.starts_with("NICK lt1c8\r\n"));
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

TEST_CASE("irc: deliveries with tags, prefixes and either line ending") {
    std::string stream;
    // tags first (IRCv3), then the prefix
    stream += "@time=2026-11-29T10:00:00.000Z;msgid=abc :bob!~load@127.0.0.1 PRIVMSG #lt1 :";
    stream += payload(1) + "\r\n";
    // a bare LF, and a server that sends no user@host
    stream += ":carol PRIVMSG #lt1 :" + payload(2) + "\n";
    // no prefix at all, extra spaces between the parts
    stream += "PRIVMSG   #lt1   :" + payload(3) + "\r\n";
    // tags without a prefix
    stream += "@a=b PRIVMSG #lt1 :" + payload(4) + "\r\n";
    for (std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{50}, stream.size()}) {
        INFO("step " << step);
        const Collect c = feed(Protocol::irc, stream, step);
        REQUIRE(c.controls.empty());
        REQUIRE(c.payloads.size() == 4);
        for (std::size_t i = 0; i < 4; ++i) {
            CHECK(c.payloads[i].first == "lt1");
            const auto d = decode_payload(c.payloads[i].second);
            REQUIRE(d);
            CHECK(d->seq == i + 1);
        }
    }
}

TEST_CASE("irc: a partial line waits for the rest") {
    const std::string line = ":bob!u@h PRIVMSG #lt1 :" + payload(9) + "\r\n";
    Collect c;
    std::string buf = line.substr(0, line.size() - 1);  // everything but the LF
    CHECK(parse_stream(Protocol::irc, buf.data(), buf.size(), c) == 0);
    CHECK(c.payloads.empty());
    buf = line + line.substr(0, 10);
    CHECK(parse_stream(Protocol::irc, buf.data(), buf.size(), c) == line.size());
    REQUIRE(c.payloads.size() == 1);
    CHECK(decode_payload(c.payloads[0].second)->seq == 9);
}

TEST_CASE("irc: control lines are told apart from deliveries") {
    const std::string stream =
        ":irc.test 001 lt1c1 :Welcome to the IRC network lt1c1!load@127.0.0.1\r\n"
        ":irc.test 422 lt1c1 :MOTD File is missing\r\n"
        ":lt1c1!load@127.0.0.1 JOIN :#lt1\r\n"
        ":irc.test 353 lt1c1 = #lt1 :@lt1c1\r\n"
        ":irc.test 366 lt1c1 #lt1 :End of /NAMES list.\r\n"
        "PING :irc.test\r\n"
        ":irc.test PING irc.test\r\n"
        ":bob!u@h PRIVMSG lt1c1 :a private message is no room delivery\r\n"
        ":bob!u@h NOTICE #lt1 :nor is a notice\r\n"
        ":irc.test 404 lt1c1 #lt1 :Cannot send to channel\r\n"
        ":irc.test PONG irc.test :x\r\n"
        "\r\n"
        "ERROR :Closing link: (load@127.0.0.1) [Excess Flood]\r\n";
    const Collect c = feed(Protocol::irc, stream, 6);
    CHECK(c.payloads.empty());
    REQUIRE(c.controls.size() == 12);
    CHECK(c.controls[0].first == Control::registered);
    CHECK(c.controls[1].first == Control::other);  // no MOTD is no error
    CHECK(c.controls[2].first == Control::joined);
    CHECK(c.controls[3].first == Control::other);
    CHECK(c.controls[4].first == Control::subscribed);
    CHECK(c.controls[4].second == "lt1");
    CHECK(c.controls[5].first == Control::ping);
    CHECK(c.controls[5].second == ":irc.test");
    CHECK(c.controls[6].first == Control::ping);
    CHECK(c.controls[6].second == "irc.test");
    CHECK(c.controls[7].first == Control::other);
    CHECK(c.controls[8].first == Control::other);
    CHECK(c.controls[9].first == Control::error);
    // A PONG is not the NATS one that means "ready": IRC clients here never PING.
    CHECK(c.controls[10].first == Control::other);
    CHECK(c.controls[11].first == Control::error);
    CHECK(irc_reply_code(c.controls[9].second) == 404);
    CHECK(irc_reply_code(c.controls[11].second) == -1);
}

TEST_CASE("irc: PING is answered with its token") {
    std::string out;
    append_pong(Protocol::irc, out, ":irc.test");
    CHECK(out == "PONG :irc.test\r\n");
    out.clear();
    append_pong(Protocol::irc, out, "irc.test");
    CHECK(out == "PONG irc.test\r\n");
    out.clear();
    append_pong(Protocol::nats, out, "PING");
    CHECK(out == "PONG\r\n");
}

TEST_CASE("irc: its own JOIN, and QUITs") {
    CHECK(irc_is_join(":lt1c1!load@127.0.0.1 JOIN :#lt1", "lt1c1", "lt1"));
    CHECK(irc_is_join("@time=x :lt1c1!load@127.0.0.1 JOIN #lt1", "lt1c1", "lt1"));
    CHECK(irc_is_join(":lt1c1!load@h JOIN #lt1 account :real name", "lt1c1", "lt1"));
    CHECK_FALSE(irc_is_join(":lt1c12!load@h JOIN #lt1", "lt1c1", "lt1"));
    CHECK_FALSE(irc_is_join(":lt1c1!load@h JOIN #lt12", "lt1c1", "lt1"));
    CHECK_FALSE(irc_is_join(":lt1c1!load@h PART #lt1", "lt1c1", "lt1"));
    CHECK_FALSE(irc_is_join("JOIN #lt1", "lt1c1", "lt1"));
    CHECK(irc_prefix_nick(":bob!u@h PRIVMSG #x :y") == "bob");
    CHECK(irc_prefix_nick(":irc.test 001 bob :hi") == "irc.test");
    std::string_view nick, reason;
    REQUIRE(irc_quit(":slow3!load@127.0.0.1 QUIT :SendQ exceeded", nick, reason));
    CHECK(nick == "slow3");
    CHECK(reason == "SendQ exceeded");
    CHECK_FALSE(irc_quit(":irc.test 001 slow3 :hi", nick, reason));
}
