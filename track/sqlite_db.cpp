#include "track/sqlite_db.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "core/error.hpp"

namespace flopmeter {

SqliteDb::SqliteDb(const std::string& path, int flags, int busy_timeout_ms)
    : path_(path), busy_ms_(busy_timeout_ms) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        // The handle exists even on failure (it carries the message); fail() closes nothing.
        const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        if (rc == SQLITE_CANTOPEN)
            throw UsageError("cannot open database " + path + " (" + msg +
                             "): check the path and its directory");
        throw UsageError("cannot open database " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
}

SqliteDb::SqliteDb(SqliteDb&& o) noexcept
    : db_(o.db_), path_(std::move(o.path_)), busy_ms_(o.busy_ms_) {
    o.db_ = nullptr;
}

SqliteDb::~SqliteDb() {
    if (db_) sqlite3_close_v2(db_);
}

void SqliteDb::fail(int rc, const std::string& what) const {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED: {
            char waited[32];
            std::snprintf(waited, sizeof waited, "%.3g", busy_ms_ / 1000.0);
            throw UsageError("database " + path_ + " is locked by another process (waited " +
                             waited + " s); try again when it finishes, or raise --lock-timeout");
        }
        case SQLITE_NOTADB:
            throw UsageError(path_ + " is not a flopmeter database (" + msg +
                             "); give another --db");
        case SQLITE_CORRUPT:
            throw UsageError(
                "database " + path_ + " is corrupt (" + msg +
                "); restore it from a copy or merge its readable runs into a new store");
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_CANTOPEN:
            throw UsageError("cannot write database " + path_ + " (" + msg +
                             "): check its permissions");
        case SQLITE_FULL:
            throw UsageError("disk full while writing database " + path_);
        default:
            throw std::runtime_error("database " + path_ + ": " + what + ": " + msg);
    }
}

void SqliteDb::exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) fail(rc, sql.substr(0, 60));
}

std::int64_t SqliteDb::query_int(const std::string& sql) {
    Statement st(*this, sql);
    return st.step() ? st.col_int(0) : 0;
}

std::int64_t SqliteDb::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

Statement::Statement(SqliteDb& db, const std::string& sql) : db_(db), sql_(sql) {
    const int rc = sqlite3_prepare_v2(db.handle(), sql.c_str(), int(sql.size()), &st_, nullptr);
    if (rc != SQLITE_OK) db.fail(rc, "prepare " + sql.substr(0, 60));
}

Statement::~Statement() {
    sqlite3_finalize(st_);
}

Statement& Statement::bind(int i, std::int64_t v) {
    if (const int rc = sqlite3_bind_int64(st_, i, v); rc != SQLITE_OK) db_.fail(rc, "bind");
    return *this;
}
Statement& Statement::bind(int i, double v) {
    if (const int rc = sqlite3_bind_double(st_, i, v); rc != SQLITE_OK) db_.fail(rc, "bind");
    return *this;
}
Statement& Statement::bind(int i, const std::string& v) {
    if (const int rc = sqlite3_bind_text(st_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
        rc != SQLITE_OK)
        db_.fail(rc, "bind");
    return *this;
}
Statement& Statement::bind_blob(int i, const void* data, std::size_t bytes) {
    if (const int rc = sqlite3_bind_blob64(st_, i, data, sqlite3_uint64(bytes), SQLITE_TRANSIENT);
        rc != SQLITE_OK)
        db_.fail(rc, "bind");
    return *this;
}
Statement& Statement::bind_null(int i) {
    if (const int rc = sqlite3_bind_null(st_, i); rc != SQLITE_OK) db_.fail(rc, "bind");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail(rc, sql_.substr(0, 60));
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
}

std::int64_t Statement::col_int(int i) const {
    return sqlite3_column_int64(st_, i);
}
double Statement::col_double(int i) const {
    return sqlite3_column_double(st_, i);
}
bool Statement::col_null(int i) const {
    return sqlite3_column_type(st_, i) == SQLITE_NULL;
}

std::string Statement::col_text(int i) const {
    const auto* p = sqlite3_column_text(st_, i);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           std::size_t(sqlite3_column_bytes(st_, i)))
             : std::string();
}

std::vector<double> Statement::col_doubles(int i) const {
    const void* p = sqlite3_column_blob(st_, i);
    const std::size_t bytes = std::size_t(sqlite3_column_bytes(st_, i));
    std::vector<double> v(bytes / sizeof(double));
    // Stored in the host's byte order; flopmeter runs on little-endian x86-64 and AArch64.
    if (p && !v.empty()) std::memcpy(v.data(), p, v.size() * sizeof(double));
    return v;
}

WriteTransaction::WriteTransaction(SqliteDb& db) : db_(db) {
    db_.exec("BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction() {
    if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace flopmeter
