#pragma once
// The commands a browser sends: one JSON object per WebSocket text message (docs/protocol.md,
// "Browsers"), parsed into what it asks for. Pure: no state, no I/O; fuzzed.
//
// The object is read with nlohmann::json's SAX interface, not into a DOM: nothing is built
// for fields Parley does not know (they are skipped, whatever they hold, so that newer clients
// can add fields), and nesting is bounded, so a hostile message costs no more than its bytes.
// Known fields must have their type (strings; integers for `before` and `limit`); `ref`, a
// string of at most max_ref bytes or an integer, is kept as JSON text to be copied into the
// answer. Text is not checked here beyond JSON's own UTF-8: the front end applies the same
// text rules as to every client's lines.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace parley::web {

enum class CommandType : std::uint8_t {
    say,      // room, text
    me,       // room, text
    msg,      // to, text
    nick,     // nick
    join,     // room, [key]
    part,     // room, [reason]
    topic,    // room, text ("" clears)
    who,      // room
    rooms,    //
    history,  // room, [before], [limit]
    quit,     // [reason]
};

struct Command {
    CommandType type = CommandType::say;
    std::string room;
    std::string text;
    std::string to;
    std::string nick;
    std::string key;
    std::string reason;
    std::optional<std::uint64_t> before;
    std::optional<std::uint64_t> limit;
    std::string ref;  // JSON text ("\"a1\"", "17"), empty when none
};

struct Refusal {
    std::string code;  // "bad-json", "usage", "unknown-command"
    std::string text;  // says what is expected
    std::string ref;   // as in Command, when the object got that far
};

// The longest `ref` string, in bytes.
inline constexpr std::size_t max_ref = 64;
// The deepest nesting skipped in unknown fields.
inline constexpr std::size_t max_depth = 16;

std::variant<Command, Refusal> parse_command(std::string_view json);

// The command's name as the protocol spells it ("say").
std::string_view name(CommandType t);

}  // namespace parley::web
