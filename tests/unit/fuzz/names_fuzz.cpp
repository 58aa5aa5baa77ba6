// Fuzzes the nickname and room name rules (shared/names.hpp): nick_problem, room_problem,
// with_room_prefix and fold_case take what a client typed after /nick, /join, /who and /msg.
//
// Input: the name. Checks, beyond crashes and sanitizer reports:
// - nick_problem and room_problem accept exactly what the rules of docs/protocol.md, written
//   plainly below, accept, and explain every refusal;
// - fold_case keeps the length, changes only A-Z, and is idempotent; a name in another case
//   (letters flipped as the input's bits say) folds to the same key; a valid name stays valid
//   folded (uniqueness ignoring case compares valid names);
// - with_room_prefix adds '#' exactly when it is missing, so that /join rust and /join #rust
//   name the same room.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/names.hpp"
#include "shared/text.hpp"
#include "tests/unit/fuzz/fuzz.hpp"

namespace {

bool letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}

// 1 to 32 letters, digits or _-[]{}\`^|, not starting with a digit or '-'.
bool nick_ok(std::string_view s) {
    if (s.empty() || s.size() > 32 || digit(s[0]) || s[0] == '-') {
        return false;
    }
    for (const char c : s) {
        if (!letter(c) && !digit(c) &&
            std::string_view("_-[]{}\\`^|").find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

// '#' followed by 1 to 63 bytes of clean UTF-8 text (check_text) without space, ',' or ':'.
bool room_ok(std::string_view s) {
    if (s.size() < 2 || s.size() > 64 || s[0] != '#' ||
        parley::check_text(s) != parley::TextProblem::none) {
        return false;
    }
    return s.find_first_of(" ,:\t\x7f") == std::string_view::npos;
}

void check_rule(const std::optional<std::string>& problem, bool ok) {
    FUZZ_CHECK(problem.has_value() == !ok);
    FUZZ_CHECK(!problem || !problem->empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view name(reinterpret_cast<const char*>(data), size);
    check_rule(parley::nick_problem(name), nick_ok(name));
    check_rule(parley::room_problem(name), room_ok(name));

    const std::string folded = parley::fold_case(name);
    FUZZ_CHECK(folded.size() == name.size());
    for (std::size_t i = 0; i < size; ++i) {
        const char c = name[i];
        FUZZ_CHECK(folded[i] == ((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c));
    }
    FUZZ_CHECK(parley::fold_case(folded) == folded);
    FUZZ_CHECK(!nick_ok(name) || nick_ok(folded));
    FUZZ_CHECK(!room_ok(name) || room_ok(folded));

    // The same name typed in another case: flip letter i when bit i of the input says so.
    std::string other(name);
    for (std::size_t i = 0; i < other.size(); ++i) {
        if (letter(other[i]) && ((data[(i / 8) % size] >> (i % 8)) & 1) != 0) {
            other[i] = static_cast<char>(other[i] ^ 0x20);
        }
    }
    FUZZ_CHECK(parley::fold_case(other) == folded);

    const std::string room = parley::with_room_prefix(name);
    FUZZ_CHECK(room == (name.starts_with('#') ? std::string(name) : "#" + std::string(name)));
    FUZZ_CHECK(!room_ok(name) || room == name);
    return 0;
}
