#include "shared/text.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace parley {

namespace {

constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t highs = 0x8080808080808080ULL;

std::uint64_t load8(const unsigned char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);  // unaligned-safe; compiles to one load
    return w;
}

// For a word whose bytes are all < 0x80: nonzero iff some byte is < 0x20 or == 0x7F.
// (x - 0x20) borrows into the high bit exactly for bytes < 0x20 when no byte has its high bit
// set; x ^ 0x7F is zero exactly for DEL bytes, and the zero-byte test has the same property.
bool ascii_word_has_control(std::uint64_t w) {
    const std::uint64_t below_space = (w - ones * 0x20) & ~w & highs;
    const std::uint64_t d = w ^ (ones * 0x7F);
    const std::uint64_t del = (d - ones) & ~d & highs;
    return (below_space | del) != 0;
}

// Decodes one UTF-8 sequence at s[i] (s[i] >= 0x80) per Unicode table 3-7 (no overlongs, no
// surrogates, nothing above U+10FFFF). Returns its length, or 0 if it is not well-formed.
// Sets c1 when it is a C1 control (U+0080..U+009F, encoded C2 80..C2 9F).
std::size_t multibyte(const unsigned char* s, std::size_t n, std::size_t i, bool& c1) {
    const unsigned char b0 = s[i];
    const std::size_t left = n - i;
    auto cont = [&](std::size_t k) { return (s[i + k] & 0xC0) == 0x80; };
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        if (left < 2 || !cont(1)) {
            return 0;
        }
        c1 = b0 == 0xC2 && s[i + 1] <= 0x9F;
        return 2;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (left < 3) {
            return 0;
        }
        const unsigned char b1 = s[i + 1];
        const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;  // E0 80..9F: overlong
        const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;  // ED A0..BF: surrogates
        if (b1 < lo || b1 > hi || !cont(2)) {
            return 0;
        }
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (left < 4) {
            return 0;
        }
        const unsigned char b1 = s[i + 1];
        const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;  // F0 80..8F: overlong
        const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;  // F4 90..: above U+10FFFF
        if (b1 < lo || b1 > hi || !cont(2) || !cont(3)) {
            return 0;
        }
        return 4;
    }
    // 80..BF stray continuation, C0/C1 overlong leads, F5..FF out of range.
    return 0;
}

template <bool CheckControls>
TextProblem scan(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        // Fast path: eight plain printable ASCII bytes at a time.
        if (n - i >= 8) {
            const std::uint64_t w = load8(s + i);
            if ((w & highs) == 0 && (!CheckControls || !ascii_word_has_control(w))) {
                i += 8;
                continue;
            }
        }
        // Slow path for the rest of that word (or the tail): one character at a time.
        const std::size_t stop = n - i >= 8 ? i + 8 : n;
        while (i < stop) {
            const unsigned char b = s[i];
            if (b < 0x80) {
                if (CheckControls && ((b < 0x20 && b != '\t') || b == 0x7F)) {
                    return TextProblem::control;
                }
                ++i;
                continue;
            }
            bool c1 = false;
            const std::size_t len = multibyte(s, n, i, c1);
            if (len == 0) {
                return TextProblem::invalid_utf8;
            }
            if (CheckControls && c1) {
                return TextProblem::control;
            }
            i += len;
        }
    }
    return TextProblem::none;
}

}  // namespace

TextProblem check_text(std::string_view line) {
    return scan<true>(line);
}

bool valid_utf8(std::string_view bytes) {
    return scan<false>(bytes) == TextProblem::none;
}

}  // namespace parley
