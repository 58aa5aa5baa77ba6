#pragma once
// Checks on the text of a received line before it may reach anybody's terminal.

#include <string_view>

namespace parley {

enum class TextProblem {
    none,
    invalid_utf8,  // not well-formed UTF-8: bad sequence, overlong form, surrogate, > U+10FFFF
    control,       // a C0 control other than TAB, DEL, or a C1 control (U+0080..U+009F);
                   // this covers NUL, BEL, backspace and ESC, so no escape sequence gets through
};

// Lines with a problem are refused whole (never repaired), so what others see is exactly
// what the sender typed. TAB is allowed here and turned into a space when formatted.
TextProblem check_text(std::string_view line);

// True if the bytes are well-formed UTF-8.
bool valid_utf8(std::string_view bytes);

}  // namespace parley
