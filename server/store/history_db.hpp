#pragma once
// The history database: its schema and every statement the store runs, prepared once. Used by
// one thread at a time (the storage thread; at start, the server before serving).
//
// Schema (user_version 1):
//   events(id INTEGER PRIMARY KEY, time, room, kind, nick, source, text), indexed by (room, id)
//   topics(room PRIMARY KEY, text, setter, time)
// The file is in WAL mode with synchronous=NORMAL: a commit is in the WAL file, which survives
// the process being killed (an operating system crash may lose the last commits, never the
// file's consistency), and readers such as --backup do not block the writer.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/query.hpp"
#include "server/store/record.hpp"
#include "server/store/sqlite.hpp"

namespace parley::store {

class HistoryDb {
  public:
    // Opens or creates the database at `path` and checks that it is one Parley can use; a
    // file that is not a database, is damaged or is from a newer version throws StoreError.
    explicit HistoryDb(const std::string& path);

    // The highest event id stored (0 when none): new ids continue after it.
    std::uint64_t max_id();

    // Writes go in the caller's transaction (one per batch).
    Connection& connection() { return db_; }
    void insert(const Record& r);
    // Inserts `records` in order, `insert_rows` to a statement: SQLite's cost per statement
    // (starting and ending it, checking the schema) is most of what a row of ours costs, so a
    // batch is written with a few multi-row INSERTs rather than a statement per row. Each
    // record must stay valid until this returns (its text is bound in place).
    void insert(std::span<const Record* const> records);
    static constexpr std::size_t insert_rows = 32;
    void set_topic(const TopicRecord& t);

    // The events of `room` that `q` asks for, oldest first (see query.hpp). A time bound costs
    // a binary search over the ids (a few dozen primary-key lookups), not a scan.
    std::vector<Record> select(std::string_view room, const Query& q);
    std::optional<TopicRecord> topic(std::string_view room);

    // Retention, in steps of at most `step` rows (one short transaction each, so the writer
    // never holds the file for long): deletes `room`'s events older than its newest `keep`;
    // deletes the oldest events older than `cutoff_ms`. Each returns the rows deleted; a step
    // that deleted `step` rows may have left more.
    std::size_t trim_room(std::string_view room, std::size_t keep, std::size_t step);
    std::size_t trim_older(std::int64_t cutoff_ms, std::size_t step);

    // The rooms that have events (for retention at start).
    std::vector<std::string> rooms();

  private:
    // The first id at or after `time_ms` (past the last id if none): ids grow with time.
    std::int64_t first_id_at(std::int64_t time_ms);
    // Appends up to `limit` events of `room` with ids in [from, to), the newest or oldest.
    void range(std::string_view room, std::int64_t from, std::int64_t to, std::size_t limit,
               bool oldest, std::vector<Record>& out);

    Connection db_;
    Statement insert_;
    Statement insert_many_;  // insert_rows rows
    Statement set_topic_;
    Statement newest_in_;  // the newest events of a room in an id range
    Statement oldest_in_;  // and the oldest
    Statement id_from_;    // the first event at or after an id, with its time
    Statement topic_;
    Statement nth_newest_;
    Statement trim_room_;
    Statement trim_older_;
};

// Copies the database at `from` (which a server may be using) into a new file `to`, with
// SQLite's online backup API. Throws StoreError.
void backup(const std::string& from, const std::string& to);

}  // namespace parley::store
