// IRC messages: parsing (shared/irc/message.hpp), tags (tags.hpp) and formatting (format.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "shared/irc/format.hpp"
#include "shared/irc/message.hpp"
#include "shared/irc/tags.hpp"

namespace irc = parley::irc;
using irc::ParseError;
using namespace std::string_literals;
using namespace std::string_view_literals;

namespace {

irc::Message parsed(std::string_view line) {
    irc::Message m;
    const ParseError e = irc::parse(line, m);
    INFO("line: " << line << ", error: " << irc::error_name(e));
    REQUIRE(e == ParseError::none);
    return m;
}

ParseError error(std::string_view line) {
    irc::Message m;
    return irc::parse(line, m);
}

std::vector<std::string> params(const irc::Message& m) {
    return {m.params().begin(), m.params().end()};
}

using Params = std::vector<std::string>;

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// Formats with append_message and parses the line back (without its CRLF).
irc::Message round_trip(std::string& out, std::string_view tags, std::string_view source,
                        std::string_view command, std::initializer_list<std::string_view> ps,
                        irc::Trailing trailing = irc::Trailing::if_needed) {
    out.clear();
    irc::append_message(out, tags, source, command, ps, trailing);
    REQUIRE(out.ends_with("\r\n"));
    return parsed(std::string_view(out).substr(0, out.size() - 2));
}

}  // namespace

TEST_CASE("irc parse: a command alone and with middle parameters", "[irc][message]") {
    const std::string line = "JOIN #parley";
    const irc::Message m = parsed(line);
    CHECK(m.tags.empty());
    CHECK(m.source.empty());
    CHECK(m.command == "JOIN");
    CHECK(params(m) == Params{"#parley"});
    CHECK_FALSE(m.has_trailing);
    CHECK(inside(m.command, line));
    CHECK(inside(m.param(0), line));  // views, not copies

    CHECK(parsed("CAP END").command == "CAP");
    CHECK(params(parsed("CAP END")) == Params{"END"});
    CHECK(params(parsed("LIST")).empty());
    CHECK(params(parsed("USER root 0 * :root")) == Params{"root", "0", "*", "root"});
    CHECK(params(parsed("WHO #parley %tcuhnfdar,743")) == Params{"#parley", "%tcuhnfdar,743"});
    CHECK(params(parsed("MODE #parley +b")) == Params{"#parley", "+b"});
}

TEST_CASE("irc parse: the trailing parameter", "[irc][message]") {
    SECTION("keeps its spaces and colons") {
        const irc::Message m = parsed("PRIVMSG #parley :hello there:  world ");
        CHECK(params(m) == Params{"#parley", "hello there:  world "});
        CHECK(m.has_trailing);
    }
    SECTION("may be empty") {
        const irc::Message m = parsed("TOPIC #parley :");
        CHECK(params(m) == Params{"#parley", ""});
        CHECK(m.has_trailing);
        CHECK(params(parsed("JOIN :")) == Params{""});  // irssi's first line after CAP LS
    }
    SECTION("may start with a colon") {
        CHECK(params(parsed("PRIVMSG #parley ::colon start")) == Params{"#parley", ":colon start"});
    }
    SECTION("a colon inside a middle parameter is part of it") {
        CHECK(params(parsed("PRIVMSG a:b :c")) == Params{"a:b", "c"});
    }
    SECTION("CTCP text goes through unchanged") {
        CHECK(parsed("PRIVMSG #parley :\x01"
                     "ACTION waves\x01")
                  .param(1) ==
              "\x01"
              "ACTION waves\x01");
    }
}

TEST_CASE("irc parse: several spaces count as one", "[irc][message]") {
    CHECK(params(parsed("PRIVMSG   #parley    :hi  there")) == Params{"#parley", "hi  there"});
    CHECK(params(parsed("MODE #a  +o   bob")) == Params{"#a", "+o", "bob"});
    CHECK(params(parsed("NICK bob   ")) == Params{"bob"});  // spaces at the end are not a param
    CHECK(parsed("   NICK bob").command == "NICK");
    const irc::Message m = parsed(":irc.example   001    bob  :Welcome");
    CHECK(m.source == "irc.example");
    CHECK(params(m) == Params{"bob", "Welcome"});
}

TEST_CASE("irc parse: the source", "[irc][message]") {
    const std::string line = ":bob!~b@127.0.0.1 PRIVMSG #parley :hi";
    const irc::Message m = parsed(line);
    CHECK(m.source == "bob!~b@127.0.0.1");
    CHECK(inside(m.source, line));
    CHECK(m.command == "PRIVMSG");
    CHECK(params(m) == Params{"#parley", "hi"});

    const irc::Source s = irc::split_source(m.source);
    CHECK(s.nick == "bob");
    CHECK(s.user == "~b");
    CHECK(s.host == "127.0.0.1");
    CHECK(irc::split_source("irc.example.org").nick == "irc.example.org");
    CHECK(irc::split_source("irc.example.org").user.empty());
    CHECK(irc::split_source("bob@host").nick == "bob");
    CHECK(irc::split_source("bob@host").host == "host");
    CHECK(irc::split_source("bob!u").user == "u");
    CHECK(irc::split_source("bob!u").host.empty());
}

TEST_CASE("irc parse: numerics", "[irc][message]") {
    const irc::Message m = parsed(":irc.example 433 * bob :Nickname is already in use");
    CHECK(m.numeric());
    CHECK(m.is("433"));
    CHECK(params(m) == Params{"*", "bob", "Nickname is already in use"});
    CHECK_FALSE(parsed("PING x").numeric());
    CHECK(error("4333 x") == ParseError::invalid_command);
    CHECK(error("43 x") == ParseError::invalid_command);
}

TEST_CASE("irc parse: the command compares ignoring case", "[irc][message]") {
    const irc::Message m = parsed("privmsg #a :x");
    CHECK(m.command == "privmsg");  // as sent
    CHECK(m.is("PRIVMSG"));
    CHECK(parsed("PrivMsg #a :x").is("PRIVMSG"));
    CHECK_FALSE(m.is("PRIVMS"));
    CHECK_FALSE(m.is("NOTICE"));
}

TEST_CASE("irc parse: errors", "[irc][message]") {
    CHECK(error("") == ParseError::empty);
    CHECK(error("    ") == ParseError::empty);
    CHECK(error(":bob") == ParseError::no_command);
    CHECK(error(":bob   ") == ParseError::no_command);
    CHECK(error("@a=b") == ParseError::no_command);
    CHECK(error("@a=b ") == ParseError::no_command);
    CHECK(error("@a=b :bob ") == ParseError::no_command);

    irc::Message m;
    CHECK(irc::parse("PRIV-MSG #a :x", m) == ParseError::invalid_command);
    CHECK(m.command == "PRIV-MSG");  // for ERR_UNKNOWNCOMMAND
    CHECK(error("PRIV\x01MSG") == ParseError::invalid_command);
    CHECK(error("1A2 x") == ParseError::invalid_command);
    CHECK(error("@tag :src :x") == ParseError::invalid_command);
    CHECK(irc::error_name(ParseError::too_many_params) == "too-many-params");
}

TEST_CASE("irc parse: at most 15 parameters", "[irc][message]") {
    const std::string fifteen = "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15";
    const irc::Message m = parsed(fifteen);
    REQUIRE(m.params().size() == 15);
    CHECK(m.param(14) == "15");
    CHECK(m.param(15).empty());  // past the end: empty, not out of bounds
    CHECK(parsed(fifteen + " ").params().size() == 15);
    CHECK(parsed("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 and more").param(14) == "15 and more");

    CHECK(error(fifteen + " 16") == ParseError::too_many_params);
    CHECK(error(fifteen + " :16") == ParseError::too_many_params);
    CHECK(error(fifteen + " :") == ParseError::too_many_params);
}

TEST_CASE("irc parse: tags", "[irc][message][tags]") {
    const std::string line =
        "@+draft/reply=abc123;label=x1;time=2026-11-29T07:36:30.000Z PRIVMSG #a :hi";
    const irc::Message m = parsed(line);
    CHECK(m.tags == "+draft/reply=abc123;label=x1;time=2026-11-29T07:36:30.000Z");
    CHECK(inside(m.tags, line));
    CHECK(m.command == "PRIVMSG");
    CHECK(params(m) == Params{"#a", "hi"});

    SECTION("with a source and several spaces") {
        const irc::Message t = parsed("@a=b   :bob!u@h   TAGMSG #a");
        CHECK(t.tags == "a=b");
        CHECK(t.source == "bob!u@h");
        CHECK(t.command == "TAGMSG");
    }
    SECTION("an empty tags part") {
        const irc::Message t = parsed("@ PING x");
        CHECK(t.tags.empty());
        CHECK(t.command == "PING");
    }
    SECTION("read one at a time") {
        irc::TagReader reader(m.tags);
        std::vector<std::string> seen;
        for (irc::Tag tag; reader.next(tag);) {
            seen.push_back(std::string(tag.key) + "|" + std::string(tag.raw_value));
        }
        CHECK(seen == std::vector<std::string>{"+draft/reply|abc123", "label|x1",
                                               "time|2026-11-29T07:36:30.000Z"});
    }
    SECTION("found by key, the last one winning") {
        CHECK(irc::find_tag(m.tags, "label") == "x1"sv);
        CHECK(irc::find_tag(m.tags, "+draft/reply") == "abc123"sv);
        CHECK_FALSE(irc::find_tag(m.tags, "draft/reply"));
        CHECK(irc::find_tag("a=1;b;a=2", "a") == "2"sv);
        CHECK(irc::find_tag("a=1;b;a=2", "b") == ""sv);  // present, without a value
        CHECK(irc::find_tag("a=1;;b=", "b") == ""sv);
        CHECK_FALSE(irc::find_tag("", "a"));
    }
}

TEST_CASE("irc tags: values are unescaped", "[irc][tags]") {
    CHECK(irc::unescape_tag_value("plain") == "plain");
    CHECK(irc::unescape_tag_value("a\\sb") == "a b");
    CHECK(irc::unescape_tag_value("a\\:b") == "a;b");
    CHECK(irc::unescape_tag_value("a\\\\b") == "a\\b");
    CHECK(irc::unescape_tag_value("a\\rb\\nc") == "a\rb\nc");
    CHECK(irc::unescape_tag_value("\\b") == "b");      // an unknown escape: the character
    CHECK(irc::unescape_tag_value("ab\\") == "ab");    // a lone backslash at the end: dropped
    CHECK(irc::unescape_tag_value("\\\\s") == "\\s");  // an escaped backslash, then 's'
    CHECK(irc::unescape_tag_value("\\s\\s\\:\\") == "  ;");

    std::string out = "kept:";
    irc::unescape_tag_value("x\\sy", out);
    CHECK(out == "kept:x y");
}

TEST_CASE("irc tags: values are escaped and read back", "[irc][tags]") {
    std::string out;
    irc::escape_tag_value("a b;c\\d\r\ne", out);
    CHECK(out == "a\\sb\\:c\\\\d\\r\\ne");
    CHECK(irc::unescape_tag_value(out) == "a b;c\\d\r\ne");

    std::string raw;
    irc::append_tag(raw, "label", "x 1");
    irc::append_tag(raw, "+draft/react", "👍");
    irc::append_tag(raw, "solo");
    CHECK(raw == "label=x\\s1;+draft/react=👍;solo");
    CHECK(irc::find_tag(raw, "label") == "x\\s1"sv);
    CHECK(irc::unescape_tag_value(*irc::find_tag(raw, "label")) == "x 1");
}

TEST_CASE("irc tags: well-formed keys", "[irc][tags]") {
    for (auto key : {"label"sv, "time"sv, "+draft/reply"sv, "+typing"sv, "example.com/x-y"sv,
                     "msgid"sv, "a1-b2"sv}) {
        CAPTURE(key);
        CHECK(irc::valid_tag_key(key));
    }
    for (auto key : {""sv, "+"sv, "/x"sv, "a/"sv, "a b"sv, "a_b"sv, "a=b"sv, "++x"sv, "ex/am/ple"sv,
                     "a;b"sv, "é"sv}) {
        CAPTURE(key);
        CHECK_FALSE(irc::valid_tag_key(key));
    }
}

TEST_CASE("irc length: the tags part and the rest have their own limits", "[irc][message]") {
    using irc::LengthProblem;
    // With small limits, to see the edges: tags part <= 10 bytes ('@' and space counted), the
    // rest <= 12 bytes CRLF counted, so 10 without it.
    const auto check = [](std::string_view line) { return irc::check_length(line, 10, 12); };
    CHECK(check("PING 12345") == LengthProblem::none);                       // 10
    CHECK(check("PING 123456") == LengthProblem::rest_too_long);             // 11
    CHECK(check("@abcdefgh PING 12345") == LengthProblem::none);             // tags part 10
    CHECK(check("@abcdefghi PING") == LengthProblem::tags_too_long);         // tags part 11
    CHECK(check("@abcdefghi PING 123456") == LengthProblem::tags_too_long);  // tags first
    CHECK(check("@abcdefgh PING 123456") == LengthProblem::rest_too_long);
    CHECK(check("@abcdefgh") == LengthProblem::none);  // no space: all of it is tags
    CHECK(check("@abcdefghij") == LengthProblem::tags_too_long);
    CHECK(check("") == LengthProblem::none);

    SECTION("the protocol's limits") {
        CHECK(irc::check_length(std::string(510, 'a')) == LengthProblem::none);
        CHECK(irc::check_length(std::string(511, 'a')) == LengthProblem::rest_too_long);
        const std::string tags = "@" + std::string(8189, 't') + " ";  // 8191 bytes
        CHECK(irc::check_length(tags + std::string(510, 'a')) == LengthProblem::none);
        CHECK(irc::check_length("@t" + tags.substr(1) + "PING") == LengthProblem::tags_too_long);
        CHECK(irc::max_line() == 8191 + 510);
        CHECK(irc::max_line(4096, 512) == 4096 + 510);
    }
    SECTION("parse refuses a tags part over its limit") {
        irc::Message m;
        CHECK(irc::parse("@abcdefgh PING", m, 10) == ParseError::none);
        CHECK(irc::parse("@abcdefghi PING", m, 10) == ParseError::tags_too_long);
        CHECK(irc::parse("@abcdefghij", m, 10) == ParseError::tags_too_long);
        CHECK(irc::parse("PING " + std::string(600, 'x'), m, 10) == ParseError::none);
    }
}

TEST_CASE("irc format: messages", "[irc][format]") {
    std::string out;
    irc::append_message(out, "", "", "NICK", {"bob"});
    CHECK(out == "NICK bob\r\n");
    out.clear();
    irc::append_message(out, "", "bob!u@h", "PRIVMSG", {"#a", "hello there"});
    CHECK(out == ":bob!u@h PRIVMSG #a :hello there\r\n");
    out.clear();
    irc::append_message(out, "", "bob!u@h", "PRIVMSG", {"#a", "hi"}, irc::Trailing::always);
    CHECK(out == ":bob!u@h PRIVMSG #a :hi\r\n");
    out.clear();
    irc::append_message(out, "", "", "TOPIC", {"#a", ""});
    CHECK(out == "TOPIC #a :\r\n");
    out.clear();
    irc::append_message(out, "", "", "PRIVMSG", {"#a", ":)"});
    CHECK(out == "PRIVMSG #a ::)\r\n");
    out.clear();
    irc::append_message(out, "", "srv", "PING", {});
    CHECK(out == ":srv PING\r\n");
    out.clear();
    irc::append_message(out, "", "", "LIST", {}, irc::Trailing::always);
    CHECK(out == "LIST\r\n");

    SECTION("appends") {
        std::string buf = "X\r\n";
        irc::append_message(buf, "", "", "PONG", {"x"});
        CHECK(buf == "X\r\nPONG x\r\n");
    }
    SECTION("with tags") {
        std::string tags;
        irc::append_tag(tags, "time", "2026-11-29T07:36:30.000Z");
        irc::append_tag(tags, "label", "a b");
        out.clear();
        irc::append_message(out, tags, "bob!u@h", "PRIVMSG", {"#a", "hi"});
        CHECK(out == "@time=2026-11-29T07:36:30.000Z;label=a\\sb :bob!u@h PRIVMSG #a hi\r\n");
    }
    SECTION("CR, LF and NUL cannot break the line") {
        out.clear();
        irc::append_message(out, "a=b\r\n", "bob\n", "PRIVMSG", {"#a", "hi\r\nQUIT :x\0y"s});
        CHECK(out == "@a=b   :bob  PRIVMSG #a :hi  QUIT :x y\r\n");
    }
}

TEST_CASE("irc format: numerics", "[irc][format]") {
    std::string out;
    irc::append_numeric(out, "parley.example", 1, "bob", {"Welcome to Parley, bob"});
    CHECK(out == ":parley.example 001 bob :Welcome to Parley, bob\r\n");
    out.clear();
    irc::append_numeric(out, "parley.example", 433, "*", {"bob", "Nickname is already in use"});
    CHECK(out == ":parley.example 433 * bob :Nickname is already in use\r\n");
    out.clear();
    irc::append_numeric(out, "srv", 324, "bob", {"#a", "+nt"}, irc::Trailing::if_needed);
    CHECK(out == ":srv 324 bob #a +nt\r\n");
    out.clear();
    irc::append_numeric(out, "srv", 366, "bob", {"#a", "End of /NAMES list."});
    CHECK(out == ":srv 366 bob #a :End of /NAMES list.\r\n");
    out.clear();
    irc::append_numeric(out, "srv", 42, "bob", {});
    CHECK(out == ":srv 042 bob\r\n");
    out.clear();
    irc::append_numeric(out, "srv", 1401, "bob", {"x"});
    CHECK(out == ":srv 401 bob :x\r\n");

    const irc::Message m = parsed(std::string_view(out).substr(0, out.size() - 2));
    CHECK(m.numeric());
    CHECK(m.source == "srv");
    CHECK(params(m) == Params{"bob", "x"});
}

TEST_CASE("irc format: what is formatted parses back the same", "[irc][format]") {
    std::string out;
    const irc::Message a =
        round_trip(out, "label=x;+draft/reply=abc", "bob!u@h", "PRIVMSG", {"#a", "hello there"});
    CHECK(a.tags == "label=x;+draft/reply=abc");
    CHECK(a.source == "bob!u@h");
    CHECK(a.command == "PRIVMSG");
    CHECK(params(a) == Params{"#a", "hello there"});

    CHECK(params(round_trip(out, "", "", "TOPIC", {"#a", ""})) == Params{"#a", ""});
    CHECK(params(round_trip(out, "", "", "PRIVMSG", {"#a", ":)"})) == Params{"#a", ":)"});
    CHECK(params(round_trip(out, "", "", "PRIVMSG", {"#a", "x"}, irc::Trailing::always)) ==
          Params{"#a", "x"});
    CHECK(params(round_trip(out, "", "", "PRIVMSG", {"#a", "  two  spaces  "})) ==
          Params{"#a", "  two  spaces  "});
    CHECK(params(round_trip(out, "", "", "CMD",
                            {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
                             "14", "last one"}))
              .size() == 15);

    // And the other way: a received line, formatted again from its parts, is the same line.
    for (const std::string_view line :
         {"@label=abc PING x"sv, ":a!b@c PRIVMSG #x :hi there"sv, "CAP REQ :multi-prefix"sv,
          "WHO #parley %cuhsnfdar"sv, "TOPIC #a :"sv, "USER root 0 * :root"sv}) {
        CAPTURE(line);
        const irc::Message m = parsed(line);
        out.clear();
        irc::append_message(out, m.tags, m.source, m.command, m.params(),
                            m.has_trailing ? irc::Trailing::always : irc::Trailing::if_needed);
        CHECK(out == std::string(line) + "\r\n");
    }
}

TEST_CASE("irc format: room for free text", "[irc][format]") {
    // ":bob!u@h PRIVMSG #a :" is 21 bytes, CRLF 2: 512 - 23.
    CHECK(irc::trailing_room("bob!u@h", "PRIVMSG", {"#a"}) == 489);
    CHECK(irc::trailing_room("", "PRIVMSG", {"#a"}) == 512 - 14);
    CHECK(irc::trailing_room("bob!u@h", "PRIVMSG", {"#a"}, 20) == 0);
    CHECK(irc::trailing_room("bob!u@h", "PRIVMSG", {"#a"}, 23) == 0);
    CHECK(irc::trailing_room("bob!u@h", "PRIVMSG", {"#a"}, 24) == 1);

    // A text of exactly that size makes a line of exactly 512 bytes with its CRLF.
    std::string out;
    irc::append_message(out, "", "bob!u@h", "PRIVMSG", {"#a", std::string(489, 'x')},
                        irc::Trailing::always);
    CHECK(out.size() == 512);
    CHECK(irc::check_length(std::string_view(out).substr(0, 510)) == irc::LengthProblem::none);
}
