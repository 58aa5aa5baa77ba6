#pragma once
// The lines Parley sends, and a parser for them (used by tests and the load client).
//
// Every line the server sends ends in CRLF and starts with a marker that says what it is:
//
//   #room <nick> text      a message in a room           (RoomMessage)
//   #room * nick text      an action (/me) in a room     (RoomAction)
//   *nick* text            a private message to you      (Private)
//   -> *nick* text         a private message you sent    (PrivateEcho)
//   -!- text               a notice: join, leave, quit, nick change, topic, shutdown
//   --- text               information: greeting, help, replies to /who /rooms /topic
//   !!! code: text         an error; `code` is a stable kebab-case word
//
// With timestamps on, every line is preceded by "HH:MM:SS " (UTC). docs/protocol.md is the
// full description. The append_* functions write one whole line, CRLF included, and turn
// TABs in user text into spaces.

#include <chrono>
#include <string>
#include <string_view>

namespace parley::wire {

void append_timestamp(std::string& out, std::chrono::system_clock::time_point t);
void append_room_message(std::string& out, std::string_view room, std::string_view nick,
                         std::string_view text);
void append_room_action(std::string& out, std::string_view room, std::string_view nick,
                        std::string_view text);
void append_private(std::string& out, std::string_view from, std::string_view text);
void append_private_echo(std::string& out, std::string_view to, std::string_view text);
void append_notice(std::string& out, std::string_view text);
void append_info(std::string& out, std::string_view text);
void append_error(std::string& out, std::string_view code, std::string_view text);

enum class Kind {
    room_message,
    room_action,
    private_message,
    private_echo,
    notice,
    info,
    error,
    unknown
};

struct Line {
    Kind kind = Kind::unknown;
    std::string_view timestamp;  // "HH:MM:SS" or empty
    std::string_view room;       // room lines
    std::string_view nick;       // room lines and private lines
    std::string_view code;       // errors
    std::string_view text;       // the rest
};

// Parses one received line (CRLF already removed or not). Views point into `line`.
Line parse(std::string_view line);

}  // namespace parley::wire
