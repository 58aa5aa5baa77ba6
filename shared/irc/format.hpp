#pragma once
// Writing IRC messages: each function appends one whole line, CRLF included, to a buffer.
//
//   [@tags ][:source ]COMMAND[ param]...[ :last param]\r\n
//
// Only the last parameter may be empty, start with ':' or hold a space: it is then written
// after " :". The others must be none of these (nicks, channels, modes and counts never are);
// the formatter does not check. What it does guarantee is that the line stays one line: a CR,
// LF or NUL in any part is written as a space, so no text can end the line early or smuggle in
// a second one. Nothing is cut: keep text within trailing_room() (split_utf8 in text.hpp).

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "shared/irc/message.hpp"

namespace parley::irc {

enum class Trailing : std::uint8_t {
    if_needed,  // ':' before the last parameter only when it is empty, starts with ':' or
                // holds a space
    always,     // ':' before the last parameter in any case: free text (PRIVMSG, QUIT, the
                // text of a numeric), so that clients see it the same way whatever it holds
};

// `tags`: raw, already escaped (built with append_tag), without '@'; empty for none.
// `source`: without ':'; empty for none (what a client sends).
void append_message(std::string& out, std::string_view tags, std::string_view source,
                    std::string_view command, std::span<const std::string_view> params,
                    Trailing trailing = Trailing::if_needed);
void append_message(std::string& out, std::string_view tags, std::string_view source,
                    std::string_view command, std::initializer_list<std::string_view> params,
                    Trailing trailing = Trailing::if_needed);

// A numeric reply ":server NNN target params...", e.g.
//   append_numeric(out, "parley.example", 433, "*", {"bob", "Nickname is already in use"});
// writes ":parley.example 433 * bob :Nickname is already in use\r\n". The code is written with
// three digits (1 -> "001"); codes above 999 are taken modulo 1000.
void append_numeric(std::string& out, std::string_view server, unsigned code,
                    std::string_view target, std::span<const std::string_view> params,
                    Trailing trailing = Trailing::always);
void append_numeric(std::string& out, std::string_view server, unsigned code,
                    std::string_view target, std::initializer_list<std::string_view> params,
                    Trailing trailing = Trailing::always);

// How many bytes of free text fit after "[:source ]COMMAND middles... :" within the limit on
// the rest of a line (CRLF counted, as max_rest is), e.g. for relaying
// ":nick!user@host PRIVMSG #chan :text"; 0 if not even the prefix fits. Tags are not counted:
// they have their own limit.
std::size_t trailing_room(std::string_view source, std::string_view command,
                          std::span<const std::string_view> middles,
                          std::size_t max_rest_with_crlf = max_rest);
std::size_t trailing_room(std::string_view source, std::string_view command,
                          std::initializer_list<std::string_view> middles,
                          std::size_t max_rest_with_crlf = max_rest);

}  // namespace parley::irc
