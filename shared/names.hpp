#pragma once
// Rules for nicknames and room names. Both are unique case-insensitively (ASCII folding) and
// keep the case they were given for display.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley {

inline constexpr std::size_t max_nick_length = 24;
inline constexpr std::size_t max_room_length = 32;  // including the leading '#'

// A nickname is 1..24 ASCII letters, digits, '_' or '-', not starting with a digit or '-'
// (IRC-compatible). Returns why `nick` is invalid, or nothing if it is valid.
std::optional<std::string> nick_problem(std::string_view nick);

// A room name is '#' followed by 1..31 ASCII letters, digits, '_', '-' or '.'.
// Returns why `room` is invalid, or nothing if it is valid.
std::optional<std::string> room_problem(std::string_view room);

// "rust" -> "#rust"; "#rust" stays. Lets users type /join rust.
std::string with_room_prefix(std::string_view room);

// The key under which a name is unique: ASCII lower case.
std::string fold_case(std::string_view name);

}  // namespace parley
