#pragma once
// Parsing of one line a client typed into what it asks for. Pure: no state, no I/O.
//
// A line not starting with '/' is chat text; "//text" is chat text "/text". Command names are
// case-insensitive. Arguments are split on spaces; the free-text tail of /msg, /me, /topic
// and /quit keeps its inner spacing. Views point into the parsed line.

#include <string>
#include <string_view>
#include <variant>

namespace parley::cmd {

struct Say {  // chat text for the current room
    std::string_view text;
};
struct Help {};
struct Nick {
    std::string_view name;
};
struct Join {
    std::string_view room;  // as typed; "#" may be missing
    std::string_view key;   // for a room locked with a key; may be empty
};
struct Leave {};
struct Rooms {};
struct Who {
    std::string_view room;  // empty: the current room
};
struct Msg {
    std::string_view nick;
    std::string_view text;
};
struct Me {
    std::string_view action;
};
struct Topic {
    std::string_view text;  // empty: show the topic
};
struct History {            // earlier messages of the current room, paging back with each use
    std::size_t count = 0;  // 0: the default page size
};
struct Quit {
    std::string_view reason;  // may be empty
};
struct Empty {};  // nothing but spaces: ignored
struct Error {
    std::string code;     // "unknown-command" or "usage"
    std::string message;  // says what is expected
};

using Command = std::variant<Say, Help, Nick, Join, Leave, Rooms, Who, Msg, Me, Topic, History,
                             Quit, Empty, Error>;

// The most messages one /history asks for.
inline constexpr std::size_t max_history_page = 100;

Command parse(std::string_view line);

// The /help text, one entry per line.
std::string_view help_text();

}  // namespace parley::cmd
