#pragma once
// What the IRC front end does to message text: cutting it to fit a line, removing IRC's
// formatting codes for plain terminals, CTCP (ACTION and the requests clients send each other),
// and comparing names under CASEMAPPING=ascii.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::irc {

// --- Cutting text to fit ---------------------------------------------------------------------

// The longest code point (UTF-8 sequence): no cut can give a piece smaller than this.
inline constexpr std::size_t min_piece = 4;

// Takes the next piece of at most `max_bytes` bytes (raised to min_piece if smaller) off the
// front of `rest` and returns it. The cut is at the last space that fits, which is consumed (it
// ends neither piece), unless that would leave the piece empty; without such a space, it is at
// the last code point boundary that fits: a multi-byte sequence is never split, so valid UTF-8
// gives valid UTF-8 pieces. Bytes that are not valid UTF-8 are single characters here. Returns
// an empty view once `rest` is empty; no piece is empty otherwise.
std::string_view next_piece(std::string_view& rest, std::size_t max_bytes);

// The longest start of `text` of at most `max_bytes` bytes that ends at a code point boundary:
// for texts IRC bounds (TOPICLEN, KICKLEN, AWAYLEN, quit reasons), which are cut, not split.
std::string_view cut_utf8(std::string_view text, std::size_t max_bytes);

// All the pieces of `text`, as next_piece cuts them (none for an empty text).
std::vector<std::string_view> split_utf8(std::string_view text, std::size_t max_bytes);

// --- Formatting codes ------------------------------------------------------------------------

// True if `text` holds any of IRC's formatting codes: 0x02 bold, 0x03 colour, 0x04 hex colour,
// 0x0F reset, 0x11 monospace, 0x16 reverse, 0x1D italic, 0x1E strikethrough, 0x1F underline.
bool has_formatting(std::string_view text);

// Appends `text` without its formatting codes: each code goes, and so do the arguments of the
// colour codes: 0x03 with a foreground of 1-2 digits and ",background" of 1-2 digits (the comma
// only when digits follow it, so "\x03" "4,x" keeps ",x"), and 0x04 with 6 hex digits and
// ",6 hex digits". A colour code without digits is a colour reset, and goes alone.
void append_stripped(std::string& out, std::string_view text);
std::string strip_formatting(std::string_view text);

// --- CTCP --------------------------------------------------------------------------------------

inline constexpr char ctcp_delim = '\x01';

// A CTCP message: "\x01COMMAND params\x01", the closing 0x01 optional (clients leave it out
// when the text was cut).
struct Ctcp {
    std::string_view command;  // as sent; empty for "\x01\x01"
    std::string_view params;   // after the space that follows the command; may be empty
};

// The CTCP message `text` holds, if it starts with 0x01.
std::optional<Ctcp> parse_ctcp(std::string_view text);

// The text of an action ("\x01ACTION waves\x01" -> "waves"; the command in any case, the
// closing 0x01 optional), or nothing if `text` is not one.
std::optional<std::string_view> ctcp_action(std::string_view text);

// True for a CTCP message other than ACTION (VERSION, PING, TIME, DCC, CLIENTINFO, ...): a
// request between clients that a plain terminal has no use for.
bool is_ctcp_request(std::string_view text);

// Appends "\x01ACTION text\x01".
void append_ctcp_action(std::string& out, std::string_view text);

// --- Case mapping (CASEMAPPING=ascii) ------------------------------------------------------------

// Nicknames and channels compare ignoring ASCII case (A-Z = a-z, nothing else), as Parley's
// names always have (shared/folded.hpp). `casefold` gives the lower-case key.
bool casefold_equal(std::string_view a, std::string_view b);
std::string casefold(std::string_view s);

}  // namespace parley::irc
