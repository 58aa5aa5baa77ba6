// Fuzzes check_text and valid_utf8 (shared/text.hpp), which decide whether a received line may
// reach anybody's terminal.
//
// Input: the line. Checks, beyond crashes and sanitizer reports:
// - check_text gives what a plain reference decoder gives: UTF-8 per RFC 3629 (no overlong
//   forms, no surrogates, nothing above U+10FFFF), decoded one code point at a time, with the
//   control rules of docs/protocol.md (C0 but TAB, DEL, C1), the first problem winning;
// - valid_utf8 agrees with the same decoder without the control rules;
// - the answer does not depend on where the line sits relative to an 8-byte word (check_text
//   reads eight bytes at a time): a prefix of 1 to 15 plain characters changes nothing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "shared/text.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

using parley::TextProblem;

namespace {

TextProblem reference(std::string_view s, bool controls) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto lead = static_cast<unsigned char>(s[i]);
        std::uint32_t cp = 0;
        std::size_t len = 0;
        if (lead < 0x80) {
            cp = lead;
            len = 1;
        } else if ((lead & 0xE0) == 0xC0) {
            cp = lead & 0x1F;
            len = 2;
        } else if ((lead & 0xF0) == 0xE0) {
            cp = lead & 0x0F;
            len = 3;
        } else if ((lead & 0xF8) == 0xF0) {
            cp = lead & 0x07;
            len = 4;
        } else {
            return TextProblem::invalid_utf8;  // a continuation byte, or F8..FF
        }
        if (s.size() - i < len) {
            return TextProblem::invalid_utf8;  // cut short
        }
        for (std::size_t k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) {
                return TextProblem::invalid_utf8;
            }
            cp = (cp << 6) | (b & 0x3F);
        }
        constexpr std::uint32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < shortest[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return TextProblem::invalid_utf8;
        }
        if (controls && ((cp < 0x20 && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))) {
            return TextProblem::control;
        }
        i += len;
    }
    return TextProblem::none;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const TextProblem got = parley::check_text(line);
    FUZZ_CHECK(got == reference(line, true));
    FUZZ_CHECK(parley::valid_utf8(line) == (reference(line, false) == TextProblem::none));

    const std::size_t shift = size == 0 ? 1 : 1 + data[0] % 15;
    const std::string shifted = std::string(shift, 'a') + std::string(line);
    FUZZ_CHECK(parley::check_text(shifted) == got);
    return 0;
}
