#pragma once
// Rules for nicknames and room names, one set for every protocol: an nc user and an IRC user
// share one namespace, so the rules are IRC's usual ones. Both are unique case-insensitively
// (ASCII folding, IRC's CASEMAPPING=ascii) and keep the case they were given for display.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley {

inline constexpr std::size_t max_nick_length = 32;
inline constexpr std::size_t max_room_length = 64;  // including the leading '#'

// A nickname is 1..32 ASCII letters, digits and the characters IRC allows in nicknames:
// '_', '-', '[', ']', '{', '}', '\', '`', '^', '|'; it does not start with a digit or '-'.
// Returns why `nick` is invalid, or nothing if it is valid.
std::optional<std::string> nick_problem(std::string_view nick);

// A room name is '#' followed by 1..63 bytes of UTF-8 text without spaces, control
// characters, ',' or ':' (IRC's channel name rules, which need ',' to list channels and ':' to
// end parameters). Returns why `room` is invalid, or nothing if it is valid.
std::optional<std::string> room_problem(std::string_view room);

// "rust" -> "#rust"; "#rust" stays. Lets users type /join rust.
std::string with_room_prefix(std::string_view room);

// The key under which a name is unique: ASCII lower case.
std::string fold_case(std::string_view name);

}  // namespace parley
