#pragma once
// A question to a room's history: which of its messages, between which bounds, and how many.
// /history and IRC's CHATHISTORY (LATEST, BEFORE, AFTER, AROUND, BETWEEN) are all this one
// query, answered by the store (HistoryDb::select) or, without one, from a room's recent
// messages in memory (HistoryRequests); both read a bound the same way.
//
// A bound is a message (its id: IRC's msgid names it) or a moment (milliseconds since the
// epoch: IRC's timestamp=). Ids grow with time, so a moment is turned into the first id at or
// after it, and every query is a range of ids; a server clock stepped back can misplace a
// moment by the messages sent while it was behind, never lose or repeat a message in a range.

#include <cstddef>
#include <cstdint>

namespace parley::store {

struct Ref {
    enum class Kind : std::uint8_t { none, id, time } kind = Kind::none;
    std::uint64_t id = 0;
    std::int64_t time_ms = 0;

    static Ref message(std::uint64_t id) { return Ref{Kind::id, id, 0}; }
    static Ref at(std::int64_t time_ms) { return Ref{Kind::time, 0, time_ms}; }
    bool set() const { return kind != Kind::none; }
};

struct Query {
    Ref after;   // only messages after it (excluded); none: from the first
    Ref before;  // only messages before it (excluded); none: up to the latest
    // When set: the messages around it instead, `limit / 2` of them before it and the rest
    // from it on (it included); `after` and `before` are not used.
    Ref around;
    std::size_t limit = 0;
    // Which end of the range `limit` keeps: the newest (LATEST, BEFORE, /history) or the
    // oldest (AFTER). The answer is oldest first either way.
    bool oldest = false;

    // The newest `limit` messages before the message `before` (0: the latest): /history.
    static Query page(std::uint64_t before, std::size_t limit) {
        Query q;
        if (before != 0) {
            q.before = Ref::message(before);
        }
        q.limit = limit;
        return q;
    }
};

}  // namespace parley::store
