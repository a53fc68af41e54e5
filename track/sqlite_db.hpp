// A thin RAII layer over the SQLite C API: one connection, prepared statements, and a
// write transaction that rolls back unless committed. SQLite result codes become exceptions
// with a message a user can act on (locked, not a database, read-only, disk full).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace flopmeter {

class SqliteDb {
  public:
    // `flags` are SQLITE_OPEN_* flags. `busy_timeout_ms`: how long a statement waits for
    // another connection's lock before failing with "locked".
    SqliteDb(const std::string& path, int flags, int busy_timeout_ms);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;
    SqliteDb(SqliteDb&& o) noexcept;
    SqliteDb& operator=(SqliteDb&&) = delete;

    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }
    int busy_timeout_ms() const { return busy_ms_; }

    void exec(const std::string& sql);
    std::int64_t query_int(const std::string& sql);  // first column of the first row (0 if none)
    std::int64_t last_insert_rowid() const;

    // Throws the exception matching SQLite result `rc` for the operation `what`.
    [[noreturn]] void fail(int rc, const std::string& what) const;

  private:
    sqlite3* db_ = nullptr;
    std::string path_;
    int busy_ms_ = 0;
};

class Statement {
  public:
    Statement(SqliteDb& db, const std::string& sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int i, std::int64_t v);
    Statement& bind(int i, int v) { return bind(i, std::int64_t(v)); }
    Statement& bind(int i, double v);
    Statement& bind(int i, const std::string& v);
    Statement& bind_blob(int i, const void* data, std::size_t bytes);
    Statement& bind_null(int i);

    bool step();  // true while a row is available
    void run();   // steps a statement that returns no rows
    void reset();

    // Columns are 0-based.
    std::int64_t col_int(int i) const;
    double col_double(int i) const;
    std::string col_text(int i) const;
    std::vector<double> col_doubles(int i) const;  // a BLOB of little-endian doubles
    bool col_null(int i) const;

  private:
    SqliteDb& db_;
    sqlite3_stmt* st_ = nullptr;
    std::string sql_;
};

// BEGIN IMMEDIATE takes the write lock up front, so a busy store fails (or waits) at the
// start rather than halfway; the destructor rolls back anything not committed.
class WriteTransaction {
  public:
    explicit WriteTransaction(SqliteDb& db);
    ~WriteTransaction();
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    void commit();

  private:
    SqliteDb& db_;
    bool done_ = false;
};

}  // namespace flopmeter
