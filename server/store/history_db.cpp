#include "server/store/history_db.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace parley::store {

namespace {

constexpr int schema_version = 1;

// Creates the schema in a new file, or checks an existing one. The first statement that reads
// the file is the journal mode's: a file that is not a database fails there (SQLITE_NOTADB).
void set_up(Connection& db) {
    {
        Statement mode(db, "PRAGMA journal_mode=WAL");
        if (!mode.step() || mode.text_at(0) != "wal") {
            throw StoreError(SQLITE_CANTOPEN,
                             fmt::format("{}: cannot use write-ahead logging here", db.path()));
        }
    }
    db.exec("PRAGMA synchronous=NORMAL");
    std::int64_t found = 0;
    {
        Statement version(db, "PRAGMA user_version");
        version.step();
        found = version.int_at(0);
    }
    if (found > schema_version) {
        throw StoreError(SQLITE_CANTOPEN,
                         fmt::format("{}: made by a newer Parley (schema {}, this one knows {})",
                                     db.path(), found, schema_version));
    }
    db.exec(
        "BEGIN;"
        "CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
        " room TEXT NOT NULL, kind TEXT NOT NULL, nick TEXT NOT NULL, source TEXT NOT NULL,"
        " text TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS events_by_room ON events(room, id);"
        "CREATE TABLE IF NOT EXISTS topics(room TEXT PRIMARY KEY, text TEXT NOT NULL,"
        " setter TEXT NOT NULL, time INTEGER NOT NULL);"
        "PRAGMA user_version=1;"
        "COMMIT;");
    // Damage in the tables themselves shows when they are read: read each once.
    db.exec("SELECT count(*) FROM topics; SELECT max(id) FROM events");
}

Record read_record(const Statement& s) {
    Record r;
    r.id = static_cast<std::uint64_t>(s.int_at(0));
    r.time_ms = s.int_at(1);
    r.room = s.text_at(2);
    kind_from_name(s.text_at(3), r.kind);
    r.nick = s.text_at(4);
    r.source = s.text_at(5);
    r.text = s.text_at(6);
    return r;
}

// INSERT OR IGNORE of `rows` events, their parameters numbered 7 a row from 1: an event whose id
// is already stored is skipped, the others written.
std::string insert_sql(std::size_t rows) {
    std::string sql =
        "INSERT OR IGNORE INTO events(id, time, room, kind, nick, source, text) VALUES";
    for (std::size_t i = 0; i < rows; ++i) {
        sql += i == 0 ? "(?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?)";
    }
    return sql;
}

void bind_record(Statement& s, int first, const Record& r) {
    s.bind(first, static_cast<std::int64_t>(r.id))
        .bind(first + 1, r.time_ms)
        .bind(first + 2, r.room)
        .bind(first + 3, kind_name(r.kind))
        .bind(first + 4, r.nick)
        .bind(first + 5, r.source)
        .bind(first + 6, r.text);
}

// The schema is set up before the statements that use it are prepared.
Connection& with_schema(Connection& db) {
    set_up(db);
    return db;
}

}  // namespace

HistoryDb::HistoryDb(const std::string& path)
    : db_(path),
      insert_(with_schema(db_), insert_sql(1).c_str()),
      insert_many_(db_, insert_sql(insert_rows).c_str()),
      set_topic_(db_,
                 "INSERT INTO topics(room, text, setter, time) VALUES(?1, ?2, ?3, ?4)"
                 " ON CONFLICT(room) DO UPDATE SET text=?2, setter=?3, time=?4"),
      newest_in_(db_,
                 "SELECT id, time, room, kind, nick, source, text FROM events"
                 " WHERE room=?1 AND id>=?2 AND id<?3 ORDER BY id DESC LIMIT ?4"),
      oldest_in_(db_,
                 "SELECT id, time, room, kind, nick, source, text FROM events"
                 " WHERE room=?1 AND id>=?2 AND id<?3 ORDER BY id LIMIT ?4"),
      id_from_(db_, "SELECT id, time FROM events WHERE id>=?1 ORDER BY id LIMIT 1"),
      topic_(db_, "SELECT room, text, setter, time FROM topics WHERE room=?1"),
      nth_newest_(db_, "SELECT id FROM events WHERE room=?1 ORDER BY id DESC LIMIT 1 OFFSET ?2"),
      trim_room_(db_,
                 "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE room=?1 AND"
                 " id<=?2 ORDER BY id LIMIT ?3)"),
      // The oldest rows by id, of which those older than the cutoff go: ids grow with time,
      // so this reads a bounded number of rows without an index on time.
      trim_older_(db_,
                  "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?2)"
                  " AND time<?1") {}

std::uint64_t HistoryDb::max_id() {
    Statement s(db_, "SELECT coalesce(max(id), 0) FROM events");
    s.step();
    return static_cast<std::uint64_t>(s.int_at(0));
}

void HistoryDb::insert(const Record& r) {
    bind_record(insert_, 1, r);
    insert_.run();
}

void HistoryDb::insert(std::span<const Record* const> records) {
    std::size_t i = 0;
    for (; records.size() - i >= insert_rows; i += insert_rows) {
        for (std::size_t j = 0; j < insert_rows; ++j) {
            bind_record(insert_many_, static_cast<int>(7 * j + 1), *records[i + j]);
        }
        insert_many_.run();
    }
    for (; i < records.size(); ++i) {
        insert(*records[i]);
    }
}

void HistoryDb::set_topic(const TopicRecord& t) {
    set_topic_.bind(1, t.room).bind(2, t.text).bind(3, t.setter).bind(4, t.time_ms);
    set_topic_.run();
}

std::int64_t HistoryDb::first_id_at(std::int64_t time_ms) {
    // Binary search over ids for the first whose event (or the next event after it) is at or
    // after the moment: events are in id order and ids grow with time. Each probe is one
    // primary-key lookup, whatever the table's size.
    const auto probe = [&](std::int64_t id) {
        id_from_.bind(1, id);
        const bool found = id_from_.step();
        const bool later = found && id_from_.int_at(1) >= time_ms;
        id_from_.reset();
        return found ? (later ? 1 : 0) : -1;  // -1: no event at or after `id`
    };
    std::int64_t lo = 0;  // every id below lo is before the moment
    std::int64_t hi = static_cast<std::int64_t>(max_id()) + 1;
    while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (probe(mid) == 1) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

void HistoryDb::range(std::string_view room, std::int64_t from, std::int64_t to, std::size_t limit,
                      bool oldest, std::vector<Record>& out) {
    if (limit == 0 || from >= to) {
        return;
    }
    Statement& s = oldest ? oldest_in_ : newest_in_;
    s.bind(1, room).bind(2, from).bind(3, to).bind(4, static_cast<std::int64_t>(limit));
    const std::size_t start = out.size();
    while (s.step()) {
        out.push_back(read_record(s));
    }
    s.reset();
    if (!oldest) {
        std::reverse(out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
    }
}

std::vector<Record> HistoryDb::select(std::string_view room, const Query& q) {
    constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
    // The first id a bound leaves in (after) or out (before, around).
    const auto first_after = [&](const Ref& r) -> std::int64_t {
        if (r.kind == Ref::Kind::id) {
            return static_cast<std::int64_t>(std::min<std::uint64_t>(r.id, none - 1)) + 1;
        }
        if (r.kind == Ref::Kind::time) {
            return r.time_ms == none ? none : first_id_at(r.time_ms + 1);
        }
        return 0;
    };
    const auto first_from = [&](const Ref& r) -> std::int64_t {
        if (r.kind == Ref::Kind::id) {
            return static_cast<std::int64_t>(std::min<std::uint64_t>(r.id, none));
        }
        if (r.kind == Ref::Kind::time) {
            return first_id_at(r.time_ms);
        }
        return none;
    };
    std::vector<Record> out;
    if (q.around.set()) {
        const std::int64_t pivot = first_from(q.around);
        range(room, 0, pivot, q.limit / 2, false, out);
        range(room, pivot, none, q.limit - out.size(), true, out);
        return out;
    }
    range(room, first_after(q.after), first_from(q.before), q.limit, q.oldest, out);
    return out;
}

std::optional<TopicRecord> HistoryDb::topic(std::string_view room) {
    topic_.bind(1, room);
    std::optional<TopicRecord> out;
    if (topic_.step()) {
        out = TopicRecord{std::string(topic_.text_at(0)), std::string(topic_.text_at(1)),
                          std::string(topic_.text_at(2)), topic_.int_at(3)};
    }
    topic_.reset();
    return out;
}

std::size_t HistoryDb::trim_room(std::string_view room, std::size_t keep, std::size_t step) {
    nth_newest_.bind(1, room).bind(2, static_cast<std::int64_t>(keep));
    const bool more = nth_newest_.step();
    const std::int64_t last_to_go = more ? nth_newest_.int_at(0) : 0;
    nth_newest_.reset();
    if (!more) {
        return 0;
    }
    trim_room_.bind(1, room).bind(2, last_to_go).bind(3, static_cast<std::int64_t>(step));
    trim_room_.run();
    return static_cast<std::size_t>(db_.changes());
}

std::size_t HistoryDb::trim_older(std::int64_t cutoff_ms, std::size_t step) {
    trim_older_.bind(1, cutoff_ms).bind(2, static_cast<std::int64_t>(step));
    trim_older_.run();
    return static_cast<std::size_t>(db_.changes());
}

std::vector<std::string> HistoryDb::rooms() {
    Statement s(db_, "SELECT DISTINCT room FROM events");
    std::vector<std::string> out;
    while (s.step()) {
        out.emplace_back(s.text_at(0));
    }
    return out;
}

void backup(const std::string& from, const std::string& to) {
    Connection source(from, true);
    Connection target(to);
    sqlite3_backup* b = sqlite3_backup_init(target.handle(), "main", source.handle(), "main");
    if (b == nullptr) {
        target.check(sqlite3_errcode(target.handle()), "backup");
    }
    // A few hundred pages at a time, so a server writing the same file waits only briefly
    // for its lock; pages it changes meanwhile are copied again.
    int rc = SQLITE_OK;
    while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY ||
           rc == SQLITE_LOCKED) {
        if (rc != SQLITE_OK) {
            sqlite3_sleep(10);
        }
    }
    sqlite3_backup_finish(b);
    target.check(rc == SQLITE_DONE ? SQLITE_OK : rc, "backup");
}

}  // namespace parley::store
