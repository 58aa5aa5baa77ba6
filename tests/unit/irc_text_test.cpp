// IRC text: splitting (shared/irc/text.hpp), formatting codes, CTCP, case mapping, and masks
// (shared/irc/mask.hpp).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "shared/irc/mask.hpp"
#include "shared/irc/text.hpp"
#include "shared/text.hpp"

namespace irc = parley::irc;
using namespace std::string_literals;
using namespace std::string_view_literals;

namespace {

std::vector<std::string> split(std::string_view text, std::size_t max) {
    const std::vector<std::string_view> pieces = irc::split_utf8(text, max);
    return {pieces.begin(), pieces.end()};
}

using Pieces = std::vector<std::string>;

// Checks what every split must give: pieces within the limit, none empty, each valid UTF-8 when
// the text is, and together the whole text, with at most one space dropped between two pieces.
void check_split(std::string_view text, std::size_t max) {
    CAPTURE(text, max);
    const std::vector<std::string_view> pieces = irc::split_utf8(text, max);
    std::size_t at = 0;
    for (const std::string_view piece : pieces) {
        CHECK(!piece.empty());
        CHECK(piece.size() <= std::max(max, irc::min_piece));
        CHECK((!parley::valid_utf8(text) || parley::valid_utf8(piece)));
        const auto start = static_cast<std::size_t>(piece.data() - text.data());
        REQUIRE(start >= at);
        CHECK(start - at <= 1);
        if (start != at) {
            CHECK(text[at] == ' ');
        }
        at = start + piece.size();
    }
    CHECK((at == text.size() || (at + 1 == text.size() && text[at] == ' ')));
}

// The plain definition of a mask match, by dynamic programming: can mask[i..] match
// subject[j..]? Quadratic, obviously right.
bool reference_match(std::string_view mask, std::string_view subject) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    const std::size_t m = mask.size();
    const std::size_t n = subject.size();
    std::vector<std::vector<bool>> ok(m + 1, std::vector<bool>(n + 1, false));
    ok[m][n] = true;
    for (std::size_t i = m; i-- > 0;) {
        for (std::size_t j = n + 1; j-- > 0;) {
            if (mask[i] == '*') {
                ok[i][j] = ok[i + 1][j] || (j < n && ok[i][j + 1]);
            } else if (j < n && (mask[i] == '?' || lower(mask[i]) == lower(subject[j]))) {
                ok[i][j] = ok[i + 1][j + 1];
            }
        }
    }
    return ok[0][0];
}

// Every string of 0..max characters from `alphabet`.
std::vector<std::string> all_strings(std::string_view alphabet, std::size_t max) {
    std::vector<std::string> out{""};
    for (std::size_t from = 0; from < out.size(); ++from) {
        if (out[from].size() == max) {
            continue;
        }
        for (const char c : alphabet) {
            out.push_back(out[from] + c);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("irc split: short texts are one piece", "[irc][text]") {
    CHECK(split("", 10).empty());
    CHECK(split("hello", 10) == Pieces{"hello"});
    CHECK(split("hello world", 11) == Pieces{"hello world"});
}

TEST_CASE("irc split: at the last space that fits", "[irc][text]") {
    CHECK(split("hello world foo", 11) == Pieces{"hello world", "foo"});
    CHECK(split("hello world foo", 10) == Pieces{"hello", "world foo"});
    CHECK(split("hello world foo", 5) == Pieces{"hello", "world", "foo"});
    CHECK(split("abcd ", 4) == Pieces{"abcd"});  // the space is dropped, not a piece
    CHECK(split("ab  cd", 4) == Pieces{"ab ", "cd"});
    // A space only at the very start would leave an empty piece: cut at the limit instead.
    CHECK(split(" abcdefg", 4) == Pieces{" abc", "defg"});
}

TEST_CASE("irc split: a text without spaces is cut anywhere valid", "[irc][text]") {
    CHECK(split("abcdefghij", 4) == Pieces{"abcd", "efgh", "ij"});
    CHECK(split(std::string(1000, 'x'), 400).size() == 3);
    // Limits below the longest code point are raised to it.
    CHECK(split("abcdefgh", 1) == Pieces{"abcd", "efgh"});
    CHECK(split("abcdefgh", 0) == Pieces{"abcd", "efgh"});
}

TEST_CASE("irc split: never inside a multi-byte sequence", "[irc][text]") {
    SECTION("2 bytes") {
        // "aaaé": a a a C3 A9; the limit falls between C3 and A9.
        CHECK(split("aaa\xC3\xA9", 4) == Pieces{"aaa", "\xC3\xA9"});
        CHECK(split("aa\xC3\xA9", 4) == Pieces{"aa\xC3\xA9"});
        CHECK(split("h\xC3\xA9llo", 4) == Pieces{"h\xC3\xA9l", "lo"});
    }
    SECTION("3 bytes") {
        const std::string euro = "\xE2\x82\xAC";
        CHECK(split("aa" + euro + "b", 4) == Pieces{"aa", euro + "b"});
        CHECK(split("aa" + euro + "b", 5) == Pieces{"aa" + euro, "b"});
        CHECK(split("aaa" + euro, 4) == Pieces{"aaa", euro});
        CHECK(split(euro + euro + euro, 8) == Pieces{euro + euro, euro});
    }
    SECTION("4 bytes") {
        const std::string smile = "\xF0\x9F\x98\x80";
        CHECK(split("a" + smile + "b", 4) == Pieces{"a", smile, "b"});
        CHECK(split("a" + smile + "b", 5) == Pieces{"a" + smile, "b"});
        CHECK(split("abc" + smile, 6) == Pieces{"abc", smile});
        CHECK(split(smile + "b", 4) == Pieces{smile, "b"});
        std::string many;
        for (int i = 0; i < 100; ++i) {
            many += smile;
        }
        const Pieces pieces = split(many, 10);
        CHECK(pieces.size() == 50);
        CHECK(pieces.front() == smile + smile);
    }
    SECTION("mixed text, every limit") {
        const std::string text = "Grüße aus Köln € 😀 ok, 日本語のテキスト and 🎉🎉 émoji fin  ";
        REQUIRE(parley::valid_utf8(text));
        for (std::size_t max = 0; max <= text.size() + 1; ++max) {
            check_split(text, max);
        }
        const std::string no_spaces = "日本語😀x€éü日本語😀😀abc€€";
        for (std::size_t max = 0; max <= no_spaces.size(); ++max) {
            check_split(no_spaces, max);
        }
    }
    SECTION("invalid UTF-8 is still cut within the limit") {
        for (const std::string& bad : {"\x80\x80\x80\x80\x80\x80\x80"s, "ab\xF0\x9F\x98"s + "cdefg",
                                       "\xC3\xC3\xC3\xC3\xC3\xC3"s}) {
            for (std::size_t max = 4; max < 9; ++max) {
                check_split(bad, max);
            }
        }
    }
}

TEST_CASE("irc split: next_piece takes pieces off the front", "[irc][text]") {
    std::string_view rest = "one two three";
    CHECK(irc::next_piece(rest, 8) == "one two");
    CHECK(rest == "three");
    CHECK(irc::next_piece(rest, 8) == "three");
    CHECK(rest.empty());
    CHECK(irc::next_piece(rest, 8).empty());
}

TEST_CASE("irc formatting: codes are stripped", "[irc][text]") {
    CHECK(irc::strip_formatting("plain text") == "plain text");
    CHECK(irc::strip_formatting("\x02"
                                "bold\x02 and \x1Ditalic\x1D") == "bold and italic");
    CHECK(irc::strip_formatting("\x0F\x11\x16\x1D\x1E\x1Fx") == "x");
    CHECK(irc::strip_formatting("\x02"
                                "12") == "12");  // only colours take digits
    CHECK(irc::strip_formatting("\x02h\xC3\xA9llo\x0F \xF0\x9F\x98\x80") ==
          "h\xC3\xA9llo \xF0\x9F\x98\x80");

    SECTION("colours: 1-2 digits, then ,1-2 digits") {
        CHECK(irc::strip_formatting("\x03"
                                    "4red") == "red");
        CHECK(irc::strip_formatting("\x03"
                                    "04red") == "red");
        CHECK(irc::strip_formatting("\x03"
                                    "4,12on blue") == "on blue");
        CHECK(irc::strip_formatting("\x03"
                                    "04,1x") == "x");
        CHECK(irc::strip_formatting("\x03"
                                    "123") == "3");  // two digits at most
        CHECK(irc::strip_formatting("\x03"
                                    "4,123") == "3");
        CHECK(irc::strip_formatting("\x03"
                                    "4,x") == ",x");  // a comma without digits stays
        CHECK(irc::strip_formatting("\x03"
                                    ",5x") == ",5x");  // no foreground: no background
        CHECK(irc::strip_formatting("\x03x") == "x");  // a colour reset
        CHECK(irc::strip_formatting("a\x03") == "a");
        CHECK(irc::strip_formatting("a\x03"
                                    "4") == "a");
        CHECK(irc::strip_formatting("a\x03"
                                    "4,") == "a,");
        CHECK(irc::strip_formatting("\x03"
                                    "3,4\x03"
                                    "5,6\x03"
                                    "text\x03") == "text");
    }
    SECTION("hex colours: 6 hex digits, then ,6 hex digits") {
        CHECK(irc::strip_formatting("\x04"
                                    "FF00AAtext") == "text");
        CHECK(irc::strip_formatting("\x04"
                                    "ff00aa,00ff00text") == "text");
        CHECK(irc::strip_formatting("\x04"
                                    "FF00A") == "FF00A");  // not 6 digits: only the code
        CHECK(irc::strip_formatting("\x04"
                                    "FF00AA,00FF0") == ",00FF0");
        CHECK(irc::strip_formatting("\x04"
                                    "FF00AA,") == ",");
        CHECK(irc::strip_formatting("\x04"
                                    "123456789") == "789");
        CHECK(irc::strip_formatting("\x04"
                                    "GG0000") == "GG0000");
    }
    SECTION("appends") {
        std::string out = ">";
        irc::append_stripped(out, "\x1Fu\x1F");
        CHECK(out == ">u");
    }
    CHECK(
        irc::has_formatting("a\x03"
                            "4b"));
    CHECK(irc::has_formatting("\x1E"));
    CHECK_FALSE(
        irc::has_formatting("plain \x01"
                            "ACTION x\x01 text"));
}

TEST_CASE("irc ctcp: actions", "[irc][text]") {
    CHECK(irc::ctcp_action("\x01"
                           "ACTION waves\x01") == "waves"sv);
    CHECK(irc::ctcp_action("\x01"
                           "ACTION waves") == "waves"sv);  // closing 0x01 optional
    CHECK(irc::ctcp_action("\x01"
                           "ACTION waves at  you \x01") == "waves at  you "sv);
    CHECK(irc::ctcp_action("\x01"
                           "action waves\x01") == "waves"sv);
    CHECK(irc::ctcp_action("\x01"
                           "ACTION\x01") == ""sv);
    CHECK(irc::ctcp_action("\x01"
                           "ACTION") == ""sv);
    CHECK_FALSE(irc::ctcp_action("ACTION waves"));
    CHECK_FALSE(
        irc::ctcp_action("\x01"
                         "ACTIONS waves\x01"));
    CHECK_FALSE(
        irc::ctcp_action("\x01"
                         "VERSION\x01"));
    CHECK_FALSE(
        irc::ctcp_action(" \x01"
                         "ACTION waves\x01"));
    CHECK_FALSE(irc::ctcp_action(""));

    std::string out;
    irc::append_ctcp_action(out, "dances");
    CHECK(out ==
          "\x01"
          "ACTION dances\x01");
    CHECK(irc::ctcp_action(out) == "dances"sv);
}

TEST_CASE("irc ctcp: other requests", "[irc][text]") {
    for (auto text : {"\x01VERSION\x01"sv, "\x01TIME\x01"sv, "\x01PING 1795937749 380611\x01"sv,
                      "\x01"
                      "CLIENTINFO\x01"sv,
                      "\x01"
                      "DCC SEND f 1 2 3\x01"sv,
                      "\x01"sv, "\x01\x01"sv, "\x01version"sv}) {
        CAPTURE(text);
        CHECK(irc::is_ctcp_request(text));
    }
    CHECK_FALSE(
        irc::is_ctcp_request("\x01"
                             "ACTION waves\x01"));
    CHECK_FALSE(irc::is_ctcp_request("hello \x01VERSION\x01"));
    CHECK_FALSE(irc::is_ctcp_request(""));

    const auto ping = irc::parse_ctcp("\x01PING 1795937749 380611\x01");
    REQUIRE(ping);
    CHECK(ping->command == "PING");
    CHECK(ping->params == "1795937749 380611");
    const auto version = irc::parse_ctcp("\x01VERSION\x01");
    REQUIRE(version);
    CHECK(version->command == "VERSION");
    CHECK(version->params.empty());
    CHECK(irc::parse_ctcp("\x01\x01")->command.empty());
    CHECK_FALSE(irc::parse_ctcp("VERSION"));
}

TEST_CASE("irc casemapping: ascii", "[irc][text]") {
    CHECK(irc::casefold_equal("Bob", "bOB"));
    CHECK(irc::casefold_equal("#Parley", "#parley"));
    CHECK_FALSE(irc::casefold_equal("bob[", "bob{"));  // rfc1459 would fold these; ascii not
    CHECK_FALSE(irc::casefold_equal("bob", "bobs"));
    CHECK(irc::casefold("NiCk[]\\~") == "nick[]\\~");
    CHECK(irc::casefold("\xC3\x89t\xC3\xA9") == "\xC3\x89t\xC3\xA9");  // É stays É
}

TEST_CASE("irc masks: matching", "[irc][mask]") {
    CHECK(irc::mask_match("bob!*@*", "bob!u@host"));
    CHECK(irc::mask_match("BOB!*@*", "Bob!U@Host"));
    CHECK_FALSE(irc::mask_match("bob!*@*", "bobby!u@host"));
    CHECK(irc::mask_match("bob*!*@*", "bobby!u@host"));
    CHECK(irc::mask_match("*!*@*.example.org", "bob!u@host.example.org"));
    CHECK_FALSE(irc::mask_match("*!*@*.example.org", "bob!u@example.org"));
    CHECK(irc::mask_match("*!~u@127.0.0.?", "x!~u@127.0.0.1"));
    CHECK_FALSE(irc::mask_match("*!~u@127.0.0.?", "x!~u@127.0.0.10"));
    CHECK(irc::mask_match("*", ""));
    CHECK(irc::mask_match("*", "anything"));
    CHECK(irc::mask_match("", ""));
    CHECK_FALSE(irc::mask_match("", "x"));
    CHECK_FALSE(irc::mask_match("?", ""));
    CHECK(irc::mask_match("#par*", "#Parley"));  // LIST and WHO masks on channels
    CHECK(irc::mask_match("a**b", "ab"));
    CHECK(irc::mask_match("*?", "x"));
    CHECK_FALSE(irc::mask_match("*?", ""));

    SECTION("agrees with a plain reference on every small case") {
        const std::vector<std::string> masks = all_strings("aB*?", 5);
        const std::vector<std::string> subjects = all_strings("abA", 5);
        std::size_t disagreements = 0;
        for (const std::string& mask : masks) {
            for (const std::string& subject : subjects) {
                if (irc::mask_match(mask, subject) != reference_match(mask, subject)) {
                    ++disagreements;
                    UNSCOPED_INFO("mask " << mask << " subject " << subject);
                }
            }
        }
        CHECK(disagreements == 0);
    }
}

TEST_CASE("irc masks: pathological patterns stay fast", "[irc][mask]") {
    // A backtracking matcher takes exponential time on these; the greedy one a few passes.
    const auto started = std::chrono::steady_clock::now();
    const std::string as(100'000, 'a');
    CHECK_FALSE(irc::mask_match("*a*a*a*a*a*b", as));
    CHECK(irc::mask_match("*a*a*a*a*a*", as));
    CHECK(irc::mask_match("*a*a*a*a*a*a", as));
    CHECK_FALSE(irc::mask_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", as));
    CHECK_FALSE(irc::mask_match("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*?b", as));
    CHECK_FALSE(irc::mask_match("*" + std::string(30, '?') + "b", as));
    // The worst case is |mask| x |subject|: a long literal after the last star.
    const std::string subject(2000, 'a');
    CHECK_FALSE(irc::mask_match("*" + std::string(500, 'a') + "b", subject));
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(took < std::chrono::seconds(1));
}

TEST_CASE("irc masks: partial masks are completed", "[irc][mask]") {
    CHECK(irc::normalise_mask("nick") == "nick!*@*");
    CHECK(irc::normalise_mask("user@host") == "*!user@host");
    CHECK(irc::normalise_mask("nick!user") == "nick!user@*");
    CHECK(irc::normalise_mask("nick!user@host") == "nick!user@host");
    CHECK(irc::normalise_mask("*!*@*") == "*!*@*");
    CHECK(irc::normalise_mask("*.example.org") == "*!*@*.example.org");
    CHECK(irc::normalise_mask("::1") == "*!*@::1");
    CHECK(irc::normalise_mask("nick!@host") == "nick!*@host");
    CHECK(irc::normalise_mask("!user@") == "*!user@*");
    CHECK(irc::normalise_mask("@host") == "*!*@host");
    CHECK(irc::normalise_mask("") == "*!*@*");
    CHECK(irc::normalise_mask("a@b@c") == "*!a@b@c");
    CHECK(irc::normalise_mask("n!u!x") == "n!u!x@*");
    CHECK(irc::normalise_mask("bo*") == "bo*!*@*");

    // Completed, a mask means what it meant partially.
    CHECK(irc::mask_match(irc::normalise_mask("bob"), "Bob!u@host"));
    CHECK(irc::mask_match(irc::normalise_mask("*@host"), "bob!u@host"));
    CHECK_FALSE(irc::mask_match(irc::normalise_mask("bob"), "bobby!u@host"));
    // And completing twice changes nothing.
    for (auto mask : {"nick"sv, "user@host"sv, "nick!user"sv, "a@b@c"sv, "n!u!x"sv, "x.y"sv, ""sv,
                      "!"sv, "@"sv, "!@"sv}) {
        CAPTURE(mask);
        const std::string once = irc::normalise_mask(mask);
        CHECK(irc::normalise_mask(once) == once);
    }
}
