#pragma once
// One IRC message: parsing a received line into its parts, and the limits on its length.
//
// The grammar is Modern IRC's (modern.ircdocs.horse) with IRCv3 message tags:
//
//   [@tags SPACE] [:source SPACE] command [SPACE middle]... [SPACE :trailing]
//
// Parsing is tolerant where real clients and servers are: several spaces count as one, and
// spaces before the source or the command and at the end of the line are ignored. It never
// allocates: the parts are views into the line, the parameters sit in a fixed array of 15 (the
// most the protocol allows), and the tags stay raw until something asks for one (tags.hpp).
// Errors are values, not exceptions: a client's bad line is ordinary input.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace parley::irc {

// The most parameters a message may carry (RFC 1459, Modern IRC).
inline constexpr std::size_t max_params = 15;

// IRCv3: the tags part, from '@' up to and including the space after the tags, holds at most
// 8191 bytes. (A client's own tag data is limited to 4094 bytes, 4096 with '@' and the space.)
inline constexpr std::size_t max_tags_part = 8191;
inline constexpr std::size_t max_client_tags_part = 4096;

// The rest of the line (source, command, parameters) holds at most 512 bytes counting the CRLF
// that ends it, as RFC 1459 counts them: 510 bytes of the line itself.
inline constexpr std::size_t max_rest = 512;

enum class ParseError : std::uint8_t {
    none,
    empty,            // the line is empty or holds only spaces
    no_command,       // tags or a source, and no command after them
    invalid_command,  // the command is neither letters nor three digits (command is set)
    too_many_params,  // more than 15 parameters
    tags_too_long,    // the tags part is longer than the limit given to parse
};

// A short, stable name for an error ("too-many-params"), for logs and tests.
std::string_view error_name(ParseError e);

struct Message {
    std::string_view tags;     // raw tags, without '@' and the space; empty if none
    std::string_view source;   // without ':'; empty if none
    std::string_view command;  // as sent: compare it with is(), which ignores case
    std::array<std::string_view, max_params> param_storage{};
    std::uint8_t param_count = 0;
    bool has_trailing = false;  // the last parameter came after " :" (it may hold spaces)

    std::span<const std::string_view> params() const { return {param_storage.data(), param_count}; }
    // Parameter i, or an empty view past the end (IRC commands treat both as missing).
    std::string_view param(std::size_t i) const {
        // `i < max_params` is implied, but lets the compiler see that a constant index past
        // the array never reads it (g++ 12 warns otherwise).
        return i < param_count && i < max_params ? param_storage[i] : std::string_view{};
    }
    // True if the command is `upper` ignoring ASCII case; `upper` is given in upper case
    // ("PRIVMSG", "001").
    bool is(std::string_view upper) const;
    // True for a three-digit numeric reply.
    bool numeric() const;
};

// Parses one line, CR/LF already removed, into `out` (whose views then point into `line`).
// `max_tags` limits the tags part, '@' and space included. On an error other than
// invalid_command, out's fields are unspecified.
ParseError parse(std::string_view line, Message& out, std::size_t max_tags = max_tags_part);

enum class LengthProblem : std::uint8_t { none, tags_too_long, rest_too_long };

// Which limit a received line (CR/LF already removed) breaks, if any. The tags part is from a
// leading '@' up to and including the first space (the whole line if it has no space); the rest
// is everything after it, counted with the CRLF that ended it, so that the RFC's 512 can be
// passed as is. The tags part is checked first.
LengthProblem check_length(std::string_view line, std::size_t max_tags = max_tags_part,
                           std::size_t max_rest_with_crlf = max_rest);

// The longest line, CR/LF not counted, that can meet both limits: what a LineReader must accept
// so that check_length, not the framing, decides.
constexpr std::size_t max_line(std::size_t max_tags = max_tags_part,
                               std::size_t max_rest_with_crlf = max_rest) {
    return max_tags + (max_rest_with_crlf >= 2 ? max_rest_with_crlf - 2 : 0);
}

// A source "nick!user@host" cut into its parts. A server name ("irc.example.org") is all nick.
struct Source {
    std::string_view nick;
    std::string_view user;  // empty if there is no '!'
    std::string_view host;  // empty if there is no '@'
};
Source split_source(std::string_view source);

}  // namespace parley::irc
