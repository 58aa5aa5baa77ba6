#pragma once
// A thin RAII layer over SQLite's C API: a connection and its prepared statements, each closed
// or finalized by its destructor, and every failure a StoreError carrying SQLite's own words.
// Only what the history store uses; no other code includes <sqlite3.h>.
//
// Not SQLiteCpp (libsqlitecpp-dev): the store needs a dozen calls (open, prepare, bind, step,
// column, the backup API), and the wrapper here is smaller than the glue its exceptions and
// types would need; one dependency fewer on a fresh machine.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace parley::store {

// A database that cannot be used: `code` is SQLite's primary result code (SQLITE_CORRUPT,
// SQLITE_NOTADB, SQLITE_CANTOPEN, ...), so callers can tell a damaged file from a missing one.
class StoreError : public std::runtime_error {
  public:
    StoreError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }
    // The file is not a database or is damaged (as opposed to missing, unreadable or full).
    bool corrupt() const;

  private:
    int code_;
};

class Statement;

class Connection {
  public:
    // Opens (creating if needed) the database file at `path`; read_only opens without
    // creating or writing.
    explicit Connection(const std::string& path, bool read_only = false);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs SQL that returns no rows (several statements allowed).
    void exec(const char* sql);
    Statement prepare(const char* sql);
    // Rows changed by the last INSERT, UPDATE or DELETE.
    int changes() const;
    const std::string& path() const { return path_; }
    sqlite3* handle() const { return db_; }
    // Throws StoreError for `rc` unless it is SQLITE_OK, with `what` and SQLite's message.
    void check(int rc, std::string_view what) const;

  private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

// A prepared statement: bind, step through the rows, reset for the next use.
class Statement {
  public:
    Statement(Connection& db, const char* sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;

    // Parameters count from 1, as in SQLite. Text is not copied: its bytes must stay
    // valid and unchanged until the statement has been stepped and reset (run(), reset()).
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);
    // True while there is a row to read; false when done. Throws on failure.
    bool step();
    // Runs a statement that returns no rows, then resets it.
    void run();
    std::int64_t int_at(int column) const;
    std::string_view text_at(int column) const;
    // Ready for new bindings and another run (bindings cleared).
    void reset();

  private:
    Connection* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// One transaction, rolled back unless commit() was called.
class Transaction {
  public:
    explicit Transaction(Connection& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    Connection& db_;
    bool open_ = true;
};

}  // namespace parley::store
