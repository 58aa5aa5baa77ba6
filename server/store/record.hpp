#pragma once
// What the history store keeps: a room's events as records, not as anybody's wire lines, so
// each front end shows them in its own form (plain lines with or without --timestamps, IRC
// with server-time and msgid). Ids and times are the original ones: a replayed message keeps
// the msgid and @time its first readers saw.

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::store {

// The kinds of event a room's history holds (the server's EventKind has more: joins, parts and
// the like are not history). Stored by name, so the file does not depend on an enum's order.
enum class RecordKind : std::uint8_t { message, action, notice };

std::string_view kind_name(RecordKind k);
// The kind called `name`; false for a name this version does not know (the row is skipped).
bool kind_from_name(std::string_view name, RecordKind& out);

struct Record {
    std::uint64_t id = 0;      // the event id (IRC's msgid); unique and increasing
    std::int64_t time_ms = 0;  // when it happened: milliseconds since the Unix epoch, UTC
    std::string room;          // the room's name folded to lower case (rooms ignore case)
    RecordKind kind = RecordKind::message;
    std::string nick;    // who, as they were called then
    std::string source;  // the same as IRC writes a user: nick!user@host
    std::string text;
};

// A room's topic, as it was last set (an empty text: cleared).
struct TopicRecord {
    std::string room;  // folded, as in Record
    std::string text;
    std::string setter;
    std::int64_t time_ms = 0;
};

}  // namespace parley::store
