#include "server/store/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

namespace parley::store {

bool StoreError::corrupt() const {
    return code_ == SQLITE_CORRUPT || code_ == SQLITE_NOTADB;
}

namespace {

// Process-wide settings, made once before SQLite initialises itself (sqlite3_config refuses
// them after that). Memory statistics off: with them on, every allocation SQLite makes takes a
// global mutex to count itself, a tenth of the storage thread's time under load, for figures
// nobody reads.
void configure_once() {
    static const bool done = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)done;
}

}  // namespace

Connection::Connection(const std::string& path, bool read_only) : path_(path) {
    configure_once();
    const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    // NOMUTEX: one thread uses a connection at a time (the storage thread, or a backup).
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw StoreError(rc & 0xff, fmt::format("{}: {}", path, message));
    }
    sqlite3_extended_result_codes(db_, 0);
    // A reader never fails at once because the writer (another process's backup, or the
    // server) holds a lock for a moment.
    sqlite3_busy_timeout(db_, 5000);
}

Connection::~Connection() {
    sqlite3_close_v2(db_);
}

void Connection::check(int rc, std::string_view what) const {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        throw StoreError(rc & 0xff, fmt::format("{}: {}: {}", path_, what, sqlite3_errmsg(db_)));
    }
}

void Connection::exec(const char* sql) {
    // Errors name the statement by its first words, not a whole schema.
    const std::string_view text(sql);
    check(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), text.substr(0, text.find(' ')));
}

Statement Connection::prepare(const char* sql) {
    return Statement(*this, sql);
}

int Connection::changes() const {
    return sqlite3_changes(db_);
}

Statement::Statement(Connection& db, const char* sql) : db_(&db) {
    db.check(sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr),
             "prepare");
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
}

Statement& Statement::bind(int index, std::int64_t value) {
    db_->check(sqlite3_bind_int64(stmt_, index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    // SQLITE_STATIC: SQLite reads the caller's bytes in place instead of copying them; they
    // must stay unchanged until the statement is stepped and reset (see the header).
    db_->check(
        sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC),
        "bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    sqlite3_reset(stmt_);  // a later use starts clean
    db_->check(rc, "step");
    return false;
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

std::int64_t Statement::int_at(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::string_view Statement::text_at(int column) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const int n = sqlite3_column_bytes(stmt_, column);
    return p == nullptr ? std::string_view() : std::string_view(p, static_cast<std::size_t>(n));
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

Transaction::Transaction(Connection& db) : db_(db) {
    db_.exec("BEGIN");
}

Transaction::~Transaction() {
    if (open_) {
        sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    open_ = false;
}

}  // namespace parley::store
