#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "shared/text.hpp"

using parley::check_text;
using parley::TextProblem;
using parley::valid_utf8;
using namespace std::string_literals;

namespace {

// An independent reference: decode the code point arithmetically and apply the Unicode rules
// (shortest form, no surrogates, at most U+10FFFF). Returns the sequence length, or 0.
std::size_t reference_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t min;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    } else if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
        min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (s.size() - i < len) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if ((c & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

TextProblem reference_check(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::uint32_t cp = 0;
        const std::size_t len = reference_sequence(s, i, cp);
        if (len == 0) {
            return TextProblem::invalid_utf8;
        }
        if ((cp < 0x20 && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
            return TextProblem::control;
        }
        i += len;
    }
    return TextProblem::none;
}

bool reference_valid(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::uint32_t cp = 0;
        const std::size_t len = reference_sequence(s, i, cp);
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

std::string bytes(std::initializer_list<unsigned char> list) {
    std::string s;
    for (unsigned char c : list) {
        s.push_back(static_cast<char>(c));
    }
    return s;
}

// The same bytes alone, at the start, in the middle and at the end of ASCII text of several
// lengths, so both the word-at-a-time path and the byte path see them.
std::vector<std::string> placements(const std::string& piece) {
    std::vector<std::string> out = {piece};
    for (std::size_t before : {0, 1, 7, 8, 9, 16, 23}) {
        for (std::size_t after : {0, 1, 7, 8, 15}) {
            out.push_back(std::string(before, 'a') + piece + std::string(after, 'z'));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("check_text accepts plain text", "[text]") {
    CHECK(check_text("") == TextProblem::none);
    CHECK(check_text("hello") == TextProblem::none);
    CHECK(check_text("Hello, world! 1234567890 ~`!@#$%^&*()_+-=[]{}|;':\",./<>?") ==
          TextProblem::none);
    CHECK(check_text(std::string(5000, 'x')) == TextProblem::none);
    CHECK(check_text(" ") == TextProblem::none);
    CHECK(check_text("~") == TextProblem::none);  // 0x7E, just below DEL
}

TEST_CASE("check_text allows TAB anywhere", "[text]") {
    for (const auto& s : placements("\t")) {
        CAPTURE(s);
        CHECK(check_text(s) == TextProblem::none);
    }
    CHECK(check_text("\t\t\t\t\t\t\t\t\t\t") == TextProblem::none);
}

TEST_CASE("check_text refuses C0 controls, DEL and C1 controls", "[text]") {
    for (int c = 0; c < 0x20; ++c) {
        if (c == '\t') {
            continue;
        }
        for (const auto& s : placements(std::string(1, static_cast<char>(c)))) {
            CAPTURE(c, s.size());
            CHECK(check_text(s) == TextProblem::control);
        }
    }
    for (const auto& s : placements("\x7f")) {
        CHECK(check_text(s) == TextProblem::control);
    }
    for (int c = 0x80; c <= 0x9F; ++c) {
        const std::string c1 = bytes({0xC2, static_cast<unsigned char>(c)});
        for (const auto& s : placements(c1)) {
            CAPTURE(c, s.size());
            CHECK(check_text(s) == TextProblem::control);
            CHECK(valid_utf8(s));
        }
    }
}

TEST_CASE("check_text names the usual offenders", "[text]") {
    CHECK(check_text("\0"s) == TextProblem::control);
    CHECK(check_text("a\0b"s) == TextProblem::control);
    CHECK(check_text("bell\a") == TextProblem::control);
    CHECK(check_text("back\bspace") == TextProblem::control);
    CHECK(check_text("\x1b[31mred\x1b[0m") == TextProblem::control);
    CHECK(check_text("carriage\rreturn") == TextProblem::control);
    CHECK(check_text("line\nfeed") == TextProblem::control);
    CHECK(check_text("\x7f") == TextProblem::control);
    CHECK(check_text("\x04") == TextProblem::control);
    CHECK(check_text("abcdefgh\x1b"
                     "bcdefgh") == TextProblem::control);
    CHECK(check_text("abcdefghijklmno\x1b") == TextProblem::control);
}

TEST_CASE("check_text accepts well-formed multi-byte UTF-8", "[text]") {
    const std::string samples[] = {
        bytes({0xC2, 0xA0}),              // U+00A0, first code point after the C1 block
        bytes({0xC3, 0xA9}),              // é
        bytes({0xDF, 0xBF}),              // U+07FF, last two-byte
        bytes({0xE0, 0xA0, 0x80}),        // U+0800, first three-byte
        bytes({0xE2, 0x82, 0xAC}),        // €
        bytes({0xED, 0x9F, 0xBF}),        // U+D7FF, just below the surrogates
        bytes({0xEE, 0x80, 0x80}),        // U+E000, just above them
        bytes({0xEF, 0xBF, 0xBF}),        // U+FFFF
        bytes({0xF0, 0x90, 0x80, 0x80}),  // U+10000, first four-byte
        bytes({0xF0, 0x9F, 0x98, 0x80}),  // 😀
        bytes({0xF3, 0xBF, 0xBF, 0xBF}),  // U+FFFFF
        bytes({0xF4, 0x8F, 0xBF, 0xBF}),  // U+10FFFF, the last code point
    };
    for (const auto& piece : samples) {
        for (const auto& s : placements(piece)) {
            CAPTURE(s);
            CHECK(check_text(s) == TextProblem::none);
            CHECK(valid_utf8(s));
        }
    }
    CHECK(check_text("Grüße aus Köln, 日本語, Ελληνικά, emoji 😀👍 — fine") == TextProblem::none);
    CHECK(check_text("\t😀\t") == TextProblem::none);
}

TEST_CASE("check_text refuses ill-formed UTF-8", "[text]") {
    const std::string samples[] = {
        // overlong forms
        bytes({0xC0, 0x80}),
        bytes({0xC0, 0xAF}),
        bytes({0xC1, 0xBF}),
        bytes({0xE0, 0x80, 0x80}),
        bytes({0xE0, 0x9F, 0xBF}),
        bytes({0xF0, 0x80, 0x80, 0x80}),
        bytes({0xF0, 0x8F, 0xBF, 0xBF}),
        // UTF-16 surrogates
        bytes({0xED, 0xA0, 0x80}),
        bytes({0xED, 0xAF, 0xBF}),
        bytes({0xED, 0xB0, 0x80}),
        bytes({0xED, 0xBF, 0xBF}),
        bytes({0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80}),  // a CESU-8 pair
        // above U+10FFFF and impossible bytes
        bytes({0xF4, 0x90, 0x80, 0x80}),
        bytes({0xF4, 0xBF, 0xBF, 0xBF}),
        bytes({0xF5, 0x80, 0x80, 0x80}),
        bytes({0xF7, 0xBF, 0xBF, 0xBF}),
        bytes({0xF8, 0x88, 0x80, 0x80, 0x80}),
        bytes({0xFC, 0x84, 0x80, 0x80, 0x80, 0x80}),
        bytes({0xFE}),
        bytes({0xFF}),
        // stray continuation bytes
        bytes({0x80}),
        bytes({0xBF}),
        bytes({0xC3, 0xA9, 0xA9}),
        // a lead byte followed by something that is not a continuation
        bytes({0xC3, 0x41}),
        bytes({0xC3, 0xC3, 0xA9}),
        bytes({0xE2, 0x28, 0xA1}),
        bytes({0xE2, 0x82, 0x28}),
        bytes({0xF0, 0x28, 0x8C, 0xBC}),
        bytes({0xF0, 0x9F, 0x28, 0x80}),
        bytes({0xF0, 0x9F, 0x98, 0x28}),
        bytes({0xF0, 0x9F, 0x98, 0xC0}),
    };
    for (const auto& piece : samples) {
        for (const auto& s : placements(piece)) {
            CAPTURE(s);
            CHECK(check_text(s) == TextProblem::invalid_utf8);
            CHECK_FALSE(valid_utf8(s));
        }
    }
}

TEST_CASE("check_text refuses sequences truncated at the end", "[text]") {
    const std::string whole[] = {bytes({0xC3, 0xA9}), bytes({0xE2, 0x82, 0xAC}),
                                 bytes({0xF0, 0x9F, 0x98, 0x80}), bytes({0xF4, 0x8F, 0xBF, 0xBF})};
    for (const auto& seq : whole) {
        for (std::size_t keep = 1; keep < seq.size(); ++keep) {
            for (std::size_t before : {0, 1, 7, 8, 15, 16}) {
                const std::string s = std::string(before, 'a') + seq.substr(0, keep);
                CAPTURE(s);
                CHECK(check_text(s) == TextProblem::invalid_utf8);
                CHECK_FALSE(valid_utf8(s));
                // Truncated in the middle of the line too.
                CHECK(check_text(s + "bcd") == TextProblem::invalid_utf8);
            }
        }
    }
}

TEST_CASE("check_text reports the first problem in the line", "[text]") {
    CHECK(check_text("\x1b"
                     "abc\xff") == TextProblem::control);
    CHECK(check_text("abc\xff"
                     "abc\x1b") == TextProblem::invalid_utf8);
    CHECK(check_text(std::string(20, 'a') + "\x7f" + "\xc0\x80") == TextProblem::control);
}

TEST_CASE("valid_utf8 accepts controls, which are well-formed", "[text]") {
    CHECK(valid_utf8(""));
    CHECK(valid_utf8("\0\x01\x1b\x7f\t\r\n"s));
    CHECK(valid_utf8(std::string(100, '\0')));
    CHECK(valid_utf8(bytes({0xC2, 0x85})));
    CHECK_FALSE(valid_utf8("abc\x80"));
}

TEST_CASE("check_text agrees with a reference decoder on every 1- and 2-byte input", "[text]") {
    for (int a = 0; a < 256; ++a) {
        for (int b = -1; b < 256; ++b) {
            std::string s(1, static_cast<char>(a));
            if (b >= 0) {
                s.push_back(static_cast<char>(b));
            }
            if (check_text(s) != reference_check(s) || valid_utf8(s) != reference_valid(s)) {
                FAIL_CHECK("mismatch for bytes " << a << " " << b);
            }
        }
    }
    SUCCEED();
}

TEST_CASE("check_text agrees with a reference decoder on 3- and 4-byte inputs", "[text]") {
    const unsigned char edges[] = {0x00, 0x09, 0x1F, 0x41, 0x7F, 0x80, 0x8F, 0x90,
                                   0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0, 0xFF};
    std::size_t mismatches = 0;
    std::size_t checked = 0;
    auto compare = [&](std::string_view s) {
        mismatches += check_text(s) != reference_check(s);
        mismatches += valid_utf8(s) != reference_valid(s);
        ++checked;
    };
    // Every lead byte from C0 up with every two following bytes.
    char three[3];
    // The same with a fourth byte, padded so the sequence straddles an 8-byte word.
    char padded[16] = {'a', 'b', 'c', 'd', 'e', 'f', 0, 0, 0, 0, 'g', 'h', 'i', 'j', 'k', 'l'};
    for (int a = 0xC0; a < 256; ++a) {
        three[0] = padded[6] = static_cast<char>(a);
        for (int b = 0; b < 256; ++b) {
            three[1] = padded[7] = static_cast<char>(b);
            for (int c = 0; c < 256; ++c) {
                three[2] = static_cast<char>(c);
                compare(std::string_view(three, 3));
            }
            for (unsigned char c : edges) {
                padded[8] = static_cast<char>(c);
                for (unsigned char d : edges) {
                    padded[9] = static_cast<char>(d);
                    compare(std::string_view(padded, sizeof padded));
                }
            }
        }
    }
    CHECK(checked > 4000000);
    CHECK(mismatches == 0);
}

TEST_CASE("check_text finds a bad byte at every position of long lines", "[text]") {
    for (std::size_t len = 1; len <= 40; ++len) {
        for (std::size_t pos = 0; pos < len; ++pos) {
            std::string s(len, 'm');
            s[pos] = '\x1b';
            CHECK(check_text(s) == TextProblem::control);
            s[pos] = '\x7f';
            CHECK(check_text(s) == TextProblem::control);
            s[pos] = '\x80';
            CHECK(check_text(s) == TextProblem::invalid_utf8);
            CHECK_FALSE(valid_utf8(s));
            s[pos] = '\t';
            CHECK(check_text(s) == TextProblem::none);
            s[pos] = ' ';
            CHECK(check_text(s) == TextProblem::none);
        }
    }
}
