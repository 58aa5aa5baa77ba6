#pragma once
// IRCv3 chathistory (draft/chathistory): the CHATHISTORY command's parameters, and the message
// references it takes (msgid=, timestamp=), as pure functions on views, for the IRC front end
// and the fuzzer.
//
//   CHATHISTORY LATEST  <target> <* | msgid=ID | timestamp=TIME> <limit>
//   CHATHISTORY BEFORE  <target> <msgid=ID | timestamp=TIME> <limit>     (AFTER, AROUND alike)
//   CHATHISTORY BETWEEN <target> <reference> <reference> <limit>
//   CHATHISTORY TARGETS <timestamp=TIME> <timestamp=TIME> <limit>        (recognised only)
//
// TIME is server-time's YYYY-MM-DDThh:mm:ss.sssZ. Parley's msgids are "<time>-<id>" in hex:
// the message's time in milliseconds since the epoch and its event id. Both come back from
// the history store unchanged, so a message replayed after a restart has the msgid its first
// readers saw; without a store, ids start again at 1 after a restart and the time keeps the
// msgids of two runs apart.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace parley::irc {

struct MsgId {
    std::int64_t time_ms = 0;
    std::uint64_t id = 0;
    bool operator==(const MsgId&) const = default;
};

// "18c1f3a2b10-2a". parse_msgid(format_msgid(x)) == x for time_ms >= 0.
std::string format_msgid(MsgId m);
std::optional<MsgId> parse_msgid(std::string_view text);

// server-time's form, "2026-11-29T08:02:08.123Z", of a time in milliseconds since the epoch
// (years 0000 to 9999).
std::string format_server_time(std::int64_t time_ms);
// The time in milliseconds since the epoch, or nothing if `text` is not exactly that form
// (the fraction may have 0 to 9 digits, cut to milliseconds; 'Z' is required).
std::optional<std::int64_t> parse_server_time(std::string_view text);

enum class HistorySub : std::uint8_t { latest, before, after, around, between, targets };

// A message reference: `*` (LATEST only: no bound), a msgid, or a timestamp.
struct HistoryRef {
    enum class Kind : std::uint8_t { star, msgid, timestamp } kind = Kind::star;
    MsgId msgid;           // kind msgid
    std::int64_t time_ms;  // kind timestamp
};

struct HistoryRequest {
    HistorySub sub = HistorySub::latest;
    std::string_view subcommand;  // as sent
    std::string_view target;
    HistoryRef from;  // the reference; BETWEEN's first
    HistoryRef to;    // BETWEEN's second
    std::size_t limit = 0;
    bool clamped = false;  // the limit asked for was more than the maximum, and cut to it
};

enum class HistoryProblem : std::uint8_t {
    none,
    no_subcommand,       // CHATHISTORY alone
    unknown_subcommand,  // `bad` is the subcommand
    not_enough_params,   // fewer parameters than the subcommand takes
    too_many_params,     // more
    invalid_reference,   // `bad`: not *, msgid=ID (one of ours) or timestamp=TIME, or * where
                         // only LATEST takes it
    invalid_limit,       // `bad`: not a number from 1 up
};

struct HistoryParse {
    HistoryProblem problem = HistoryProblem::none;
    std::string_view bad;    // the parameter at fault
    HistoryRequest request;  // filled in as far as parsing went (sub and subcommand at least)
};

// Parses CHATHISTORY's parameters (the views point into them). A limit above `max_limit` is
// cut to it (`clamped`); a `max_limit` of 0 is no maximum, as CHATHISTORY=0 says. TARGETS is
// recognised and not parsed further.
HistoryParse parse_chathistory(std::span<const std::string_view> params, std::size_t max_limit);

// A short, stable name for a problem ("invalid-reference"), for logs and tests.
std::string_view problem_name(HistoryProblem p);

}  // namespace parley::irc
