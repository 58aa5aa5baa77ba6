#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "shared/wire.hpp"

namespace wire = parley::wire;
using Kind = wire::Kind;
using namespace std::chrono_literals;

namespace {

std::string room_message(std::string_view room, std::string_view nick, std::string_view text) {
    std::string out;
    wire::append_room_message(out, room, nick, text);
    return out;
}

std::string room_action(std::string_view room, std::string_view nick, std::string_view text) {
    std::string out;
    wire::append_room_action(out, room, nick, text);
    return out;
}

std::string private_message(std::string_view from, std::string_view text) {
    std::string out;
    wire::append_private(out, from, text);
    return out;
}

std::string private_echo(std::string_view to, std::string_view text) {
    std::string out;
    wire::append_private_echo(out, to, text);
    return out;
}

std::string notice(std::string_view text) {
    std::string out;
    wire::append_notice(out, text);
    return out;
}

std::string info(std::string_view text) {
    std::string out;
    wire::append_info(out, text);
    return out;
}

std::string error(std::string_view code, std::string_view text) {
    std::string out;
    wire::append_error(out, code, text);
    return out;
}

std::string timestamp(std::chrono::system_clock::time_point t) {
    std::string out;
    wire::append_timestamp(out, t);
    return out;
}

std::chrono::system_clock::time_point at(std::chrono::seconds since_epoch) {
    return std::chrono::system_clock::time_point{} + since_epoch;
}

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::room_message:
            return "room_message";
        case Kind::room_action:
            return "room_action";
        case Kind::private_message:
            return "private_message";
        case Kind::private_echo:
            return "private_echo";
        case Kind::notice:
            return "notice";
        case Kind::info:
            return "info";
        case Kind::error:
            return "error";
        case Kind::unknown:
            return "unknown";
    }
    return "?";
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<Kind> {
    static std::string convert(Kind k) { return kind_name(k); }
};
}  // namespace Catch

TEST_CASE("wire formats every kind of line exactly", "[wire]") {
    CHECK(room_message("#lobby", "alice", "hello") == "#lobby <alice> hello\r\n");
    CHECK(room_action("#lobby", "alice", "waves") == "#lobby * alice waves\r\n");
    CHECK(private_message("bob", "psst") == "*bob* psst\r\n");
    CHECK(private_echo("bob", "psst") == "-> *bob* psst\r\n");
    CHECK(notice("alice joined #lobby") == "-!- alice joined #lobby\r\n");
    CHECK(info("Members of #lobby (2): alice bob") == "--- Members of #lobby (2): alice bob\r\n");
    CHECK(error("bad-nick", "nicknames are ...") == "!!! bad-nick: nicknames are ...\r\n");
}

TEST_CASE("wire formats empty text", "[wire]") {
    CHECK(info("") == "--- \r\n");
    CHECK(notice("") == "-!- \r\n");
    CHECK(error("flood", "") == "!!! flood: \r\n");
    CHECK(room_message("#a", "b", "") == "#a <b> \r\n");
}

TEST_CASE("wire append_* append to what is already there", "[wire]") {
    std::string out = "earlier\r\n";
    wire::append_info(out, "one");
    wire::append_room_message(out, "#r", "n", "two");
    wire::append_error(out, "usage", "three");
    CHECK(out == "earlier\r\n--- one\r\n#r <n> two\r\n!!! usage: three\r\n");
}

TEST_CASE("wire turns TABs in the text into spaces", "[wire]") {
    CHECK(room_message("#r", "n", "a\tb\t\tc\t") == "#r <n> a b  c \r\n");
    CHECK(room_action("#r", "n", "\twaves") == "#r * n  waves\r\n");
    CHECK(private_message("n", "x\ty") == "*n* x y\r\n");
    CHECK(private_echo("n", "x\ty") == "-> *n* x y\r\n");
    CHECK(notice("topic:\tt") == "-!- topic: t\r\n");
    CHECK(info("\t") == "---  \r\n");
    CHECK(error("c", "x\ty") == "!!! c: x y\r\n");
    // Only the appended text is touched, not what the buffer held before.
    std::string out = "keep\ttab|";
    wire::append_notice(out, "a\tb");
    CHECK(out == "keep\ttab|-!- a b\r\n");
}

TEST_CASE("wire keeps other bytes of the text as they are", "[wire]") {
    CHECK(room_message("#r", "n", "Grüße 😀 <b> * x") == "#r <n> Grüße 😀 <b> * x\r\n");
}

TEST_CASE("append_timestamp writes HH:MM:SS in UTC", "[wire]") {
    CHECK(timestamp(at(0s)) == "00:00:00 ");
    CHECK(timestamp(at(1s)) == "00:00:01 ");
    CHECK(timestamp(at(59s)) == "00:00:59 ");
    CHECK(timestamp(at(60s)) == "00:01:00 ");
    CHECK(timestamp(at(3600s)) == "01:00:00 ");
    CHECK(timestamp(at(86399s)) == "23:59:59 ");
    CHECK(timestamp(at(86400s)) == "00:00:00 ");
    CHECK(timestamp(at(1700000000s)) == "22:13:20 ");          // 2023-11-14 22:13:20 UTC
    CHECK(timestamp(at(1700000000s) + 999ms) == "22:13:20 ");  // seconds are truncated
    CHECK(timestamp(at(4102444799s)) == "23:59:59 ");          // 2099-12-31 23:59:59 UTC
    CHECK(timestamp(at(-1s)) == "23:59:59 ");                  // before 1970
    CHECK(timestamp(at(1700000000s)).size() == 9);
    std::string out = "x";
    wire::append_timestamp(out, at(45296s));
    CHECK(out == "x12:34:56 ");
}

TEST_CASE("wire::parse reads room messages", "[wire]") {
    const std::string line = "#lobby <alice> hello there\r\n";
    const auto p = wire::parse(line);
    CHECK(p.kind == Kind::room_message);
    CHECK(p.room == "#lobby");
    CHECK(p.nick == "alice");
    CHECK(p.text == "hello there");
    CHECK(p.timestamp.empty());
    CHECK(p.code.empty());
    // Views into the line: nothing is copied.
    CHECK(p.room.data() == line.data());
    CHECK(p.text.data() == line.data() + 15);

    const auto tricky = wire::parse("#r <n> <b> says > hi");
    CHECK(tricky.kind == Kind::room_message);
    CHECK(tricky.nick == "n");
    CHECK(tricky.text == "<b> says > hi");
}

TEST_CASE("wire::parse reads room actions", "[wire]") {
    const auto p = wire::parse("#rust.dev * bob waves at  everyone\n");
    CHECK(p.kind == Kind::room_action);
    CHECK(p.room == "#rust.dev");
    CHECK(p.nick == "bob");
    CHECK(p.text == "waves at  everyone");
}

TEST_CASE("wire::parse reads private lines", "[wire]") {
    const auto p = wire::parse("*alice* psst, bob\r\n");
    CHECK(p.kind == Kind::private_message);
    CHECK(p.nick == "alice");
    CHECK(p.text == "psst, bob");
    CHECK(p.room.empty());

    const auto e = wire::parse("-> *bob* see you *later*");
    CHECK(e.kind == Kind::private_echo);
    CHECK(e.nick == "bob");
    CHECK(e.text == "see you *later*");
}

TEST_CASE("wire::parse reads notices, information and errors", "[wire]") {
    const auto n = wire::parse("-!- alice joined #lobby\r\n");
    CHECK(n.kind == Kind::notice);
    CHECK(n.text == "alice joined #lobby");
    CHECK(n.nick.empty());

    const auto i = wire::parse("--- Welcome to Parley! Type a line and press Enter to chat.");
    CHECK(i.kind == Kind::info);
    CHECK(i.text == "Welcome to Parley! Type a line and press Enter to chat.");

    const auto e = wire::parse("!!! line-too-long: lines are at most 4096 bytes: really\r\n");
    CHECK(e.kind == Kind::error);
    CHECK(e.code == "line-too-long");
    CHECK(e.text == "lines are at most 4096 bytes: really");
}

TEST_CASE("wire::parse edge cases of the markers", "[wire]") {
    SECTION("empty text after a marker") {
        for (auto s : {"--- ", "---", "--- \r\n", "---\r\n"}) {
            CAPTURE(s);
            const auto p = wire::parse(s);
            CHECK(p.kind == Kind::info);
            CHECK(p.text.empty());
        }
        CHECK(wire::parse("-!-").kind == Kind::notice);
        const auto bare = wire::parse("!!!");
        CHECK(bare.kind == Kind::error);
        CHECK(bare.code.empty());
        CHECK(bare.text.empty());
        const auto f = wire::parse("!!! flood: ");
        CHECK(f.kind == Kind::error);
        CHECK(f.code == "flood");
        CHECK(f.text.empty());
        const auto g = wire::parse("!!! flood:");
        CHECK(g.kind == Kind::error);
        CHECK(g.code == "flood");
        CHECK(g.text.empty());
        const auto r = wire::parse("#r <n>");
        CHECK(r.kind == Kind::room_message);
        CHECK(r.nick == "n");
        CHECK(r.text.empty());
        const auto a = wire::parse("#r * n");
        CHECK(a.kind == Kind::room_action);
        CHECK(a.nick == "n");
        CHECK(a.text.empty());
        const auto m = wire::parse("*n*");
        CHECK(m.kind == Kind::private_message);
        CHECK(m.nick == "n");
        CHECK(m.text.empty());
    }
    SECTION("an error without a code") {
        const auto e = wire::parse("!!! something odd");
        CHECK(e.kind == Kind::error);
        CHECK(e.code.empty());
        CHECK(e.text == "something odd");
        const auto spaced = wire::parse("!!! not a code: text");
        CHECK(spaced.kind == Kind::error);
        CHECK(spaced.code.empty());
        CHECK(spaced.text == "not a code: text");
        const auto glued = wire::parse("!!! code:text");
        CHECK(glued.code.empty());
        CHECK(glued.text == "code:text");
    }
    SECTION("a bare LF, a bare CR, or nothing at the end") {
        CHECK(wire::parse("--- x\n").text == "x");
        CHECK(wire::parse("--- x\r").text == "x");
        CHECK(wire::parse("--- x").text == "x");
        CHECK(wire::parse("--- x\r\n").text == "x");
        CHECK(wire::parse("--- x\r\r\n").text == "x\r");  // only one line ending is removed
    }
    SECTION("lines that are not Parley lines") {
        for (auto s : {"",
                       "\r\n",
                       "hello",
                       " --- x",
                       "--x",
                       "----",
                       "---x",
                       "-!-x",
                       "-> xbob* x",
                       "-> bob",
                       "->*bob* x",
                       "-> *bob*x",
                       "-> * bob* x",
                       "!!",
                       "!!!x",
                       "#",
                       "# <n> x",
                       "#room",
                       "#room text",
                       "#room <n>x",
                       "#room <>",
                       "#room <n",
                       "#room <a b> x",  // a nick holds no space, as in "* bob* x"
                       "#! <rr <rr\x1f\xc1\x1f\xc1\xc1>",  // found by fuzz_wire
                       "#room *",
                       "#room *  n",
                       "#room *n x",
                       "*",
                       "**",
                       "** x",
                       "*bob",
                       "*bob*x",
                       "* bob* x",
                       "<n> x",
                       "12:34:56",
                       "12:34:56 ",
                       "12:34:56 hello",
                       "1:23:45 --- x",
                       "12-34-56 --- x",
                       "ab:cd:ef --- x",
                       "12:34:56--- x"}) {
            CAPTURE(s);
            const auto p = wire::parse(s);
            CHECK(p.kind == Kind::unknown);
            CHECK(p.room.empty());
            CHECK(p.nick.empty());
            CHECK(p.code.empty());
        }
        const auto u = wire::parse("just text\r\n");
        CHECK(u.kind == Kind::unknown);
        CHECK(u.text == "just text");
    }
}

TEST_CASE("wire::parse reads a leading timestamp", "[wire]") {
    const auto p = wire::parse("09:05:01 #lobby <alice> hi\r\n");
    CHECK(p.timestamp == "09:05:01");
    CHECK(p.kind == Kind::room_message);
    CHECK(p.room == "#lobby");
    CHECK(p.nick == "alice");
    CHECK(p.text == "hi");

    const auto e = wire::parse("23:59:59 !!! flood: slow down");
    CHECK(e.timestamp == "23:59:59");
    CHECK(e.kind == Kind::error);
    CHECK(e.code == "flood");
    CHECK(e.text == "slow down");

    const auto u = wire::parse("12:00:00 nonsense");
    CHECK(u.kind == Kind::unknown);
    CHECK(u.timestamp == "12:00:00");
    CHECK(u.text == "nonsense");

    // Only one timestamp is taken.
    const auto twice = wire::parse("12:00:00 12:00:00 --- x");
    CHECK(twice.timestamp == "12:00:00");
    CHECK(twice.kind == Kind::unknown);
}

TEST_CASE("wire round trips: append then parse gives the fields back", "[wire]") {
    const auto now = at(1700000000s) + 123ms;
    for (bool stamped : {false, true}) {
        CAPTURE(stamped);
        auto line = [&](auto&& append) {
            std::string out;
            if (stamped) {
                wire::append_timestamp(out, now);
            }
            append(out);
            return out;
        };
        const std::string ts = stamped ? "22:13:20" : "";

        const auto s1 = line([](std::string& o) {
            wire::append_room_message(o, "#lobby", "alice", "hello  world");
        });
        const auto p1 = wire::parse(s1);
        CHECK(p1.kind == Kind::room_message);
        CHECK(p1.timestamp == ts);
        CHECK(p1.room == "#lobby");
        CHECK(p1.nick == "alice");
        CHECK(p1.text == "hello  world");

        const auto s2 =
            line([](std::string& o) { wire::append_room_action(o, "#a.b", "Bob_1", "does\tit"); });
        const auto p2 = wire::parse(s2);
        CHECK(p2.kind == Kind::room_action);
        CHECK(p2.timestamp == ts);
        CHECK(p2.room == "#a.b");
        CHECK(p2.nick == "Bob_1");
        CHECK(p2.text == "does it");

        const auto s3 =
            line([](std::string& o) { wire::append_private(o, "carol", "* not a nick *"); });
        const auto p3 = wire::parse(s3);
        CHECK(p3.kind == Kind::private_message);
        CHECK(p3.nick == "carol");
        CHECK(p3.text == "* not a nick *");

        const auto s4 = line([](std::string& o) { wire::append_private_echo(o, "dave", "yo"); });
        const auto p4 = wire::parse(s4);
        CHECK(p4.kind == Kind::private_echo);
        CHECK(p4.timestamp == ts);
        CHECK(p4.nick == "dave");
        CHECK(p4.text == "yo");

        const auto s5 = line([](std::string& o) { wire::append_notice(o, "a is now known as b"); });
        const auto p5 = wire::parse(s5);
        CHECK(p5.kind == Kind::notice);
        CHECK(p5.text == "a is now known as b");

        const auto s6 = line([](std::string& o) { wire::append_info(o, "--- nested ---"); });
        const auto p6 = wire::parse(s6);
        CHECK(p6.kind == Kind::info);
        CHECK(p6.text == "--- nested ---");

        const auto s7 = line([](std::string& o) {
            wire::append_error(o, "no-such-nick", "nobody is called x: sorry");
        });
        const auto p7 = wire::parse(s7);
        CHECK(p7.kind == Kind::error);
        CHECK(p7.timestamp == ts);
        CHECK(p7.code == "no-such-nick");
        CHECK(p7.text == "nobody is called x: sorry");
    }
}

TEST_CASE("wire round trips for every error code of the protocol", "[wire]") {
    for (auto code :
         {"unknown-command", "usage", "bad-nick", "nick-taken", "bad-room", "no-such-room",
          "no-such-nick", "already-there", "line-too-long", "bad-utf8", "control-character",
          "flood", "disconnected", "server-full", "address-limit"}) {
        CAPTURE(code);
        const auto s = error(code, "why");
        const auto p = wire::parse(s);
        CHECK(p.kind == Kind::error);
        CHECK(p.code == code);
        CHECK(p.text == "why");
    }
}

TEST_CASE("wire lines hold exactly one CRLF, at the end", "[wire]") {
    const std::string lines[] = {room_message("#r", "n", "t"),
                                 room_action("#r", "n", "t"),
                                 private_message("n", "t"),
                                 private_echo("n", "t"),
                                 notice("t"),
                                 info("t"),
                                 error("c", "t")};
    for (const auto& s : lines) {
        CAPTURE(s);
        REQUIRE(s.size() >= 2);
        CHECK(s.substr(s.size() - 2) == "\r\n");
        CHECK(s.find('\r') == s.size() - 2);
        CHECK(s.find('\n') == s.size() - 1);
    }
}
