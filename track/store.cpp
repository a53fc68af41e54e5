#include "track/store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "core/error.hpp"
#include "track/store_migrations.hpp"

namespace flopmeter {

using ojson = nlohmann::ordered_json;

int store_schema_version() {
    return int(store_migrations().size());
}

std::string default_db_path() {
    const char* e = std::getenv("FLOPMETER_DB");
    return e && *e ? std::string(e) : std::string("flopmeter.db");
}

std::string utc_now_iso() {
    std::time_t now = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    return buf;
}

std::string run_content_key(const ResultsDocument& doc) {
    const std::string s = results_to_json_string(doc);
    std::uint64_t a = 1469598103934665603ull, b = 0x84222325cbf29ce4ull;  // two offset bases
    for (unsigned char c : s) {
        a = (a ^ c) * 1099511628211ull;
        b = (b ^ (c ^ 0x5a)) * 1099511628211ull;
    }
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                  static_cast<unsigned long long>(b));
    return buf;
}

namespace {

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// Test-only: FLOPMETER_TEST_PAUSE_IN_RECORD=<seconds> sleeps inside the write transaction,
// after part of the run is written, so tests can kill a `record` midway and check that the
// store holds nothing of it. Announced on stderr so it cannot go unnoticed.
void test_pause_in_record() {
    const char* e = std::getenv("FLOPMETER_TEST_PAUSE_IN_RECORD");
    if (!e || !*e) return;
    const double s = std::atof(e);
    std::fprintf(stderr,
                 "flopmeter: TEST KNOB FLOPMETER_TEST_PAUSE_IN_RECORD: pausing %.3g s inside the "
                 "transaction\n",
                 s);
    std::fflush(stderr);
    if (s > 0) ::usleep(useconds_t(s * 1e6));
}

RunInfo read_run_info(const Statement& st) {
    // Column order of kRunColumns.
    RunInfo r;
    r.id = st.col_int(0);
    r.key = st.col_text(1);
    r.source = st.col_text(2);
    r.git_sha = st.col_text(3);
    r.tag = st.col_text(4);
    r.date_utc = st.col_text(5);
    r.recorded_utc = st.col_text(6);
    r.hostname = st.col_text(7);
    r.fingerprint = st.col_text(8);
    r.cases = st.col_int(9);
    return r;
}

const std::string kRunColumns =
    "r.id, r.run_key, r.source, r.git_sha, r.tag, r.date_utc, r.recorded_utc, r.hostname, "
    "r.fingerprint, "
    "(SELECT COUNT(*) FROM cases c WHERE c.run_id = r.id)";

}  // namespace

namespace {

// Identifies the file before writing anything to it and returns its schema version: reading
// the header is what fails on a file that is not SQLite at all (SQLITE_NOTADB), and nothing has
// been written by then.
std::int64_t check_identity(SqliteDb& db) {
    const std::string& path = db.path();
    const std::int64_t app_id = db.query_int("PRAGMA application_id");
    const std::int64_t version = db.query_int("PRAGMA user_version");
    if (app_id != 0 && app_id != kStoreApplicationId)
        throw UsageError(path +
                         " is an SQLite database of another application, not a flopmeter store");
    if (app_id == 0 && (version != 0 || db.query_int("SELECT COUNT(*) FROM sqlite_master") != 0))
        throw UsageError(path +
                         " is an SQLite database but not a flopmeter store (it has other tables)");
    if (version > store_schema_version())
        throw UsageError(path + " was written by a newer flopmeter (store schema " +
                         std::to_string(version) + ", this one knows up to " +
                         std::to_string(store_schema_version()) + "); upgrade flopmeter");
    return version;
}

void migrate(SqliteDb& db, std::int64_t version, int target) {
    const auto& migrations = store_migrations();
    while (version < target) {
        WriteTransaction tx(db);
        // Another process may have migrated while we waited for the lock.
        version = db.query_int("PRAGMA user_version");
        if (version >= target) break;
        db.exec(migrations[std::size_t(version)]);
        if (version == 0) db.exec("PRAGMA application_id=" + std::to_string(kStoreApplicationId));
        db.exec("PRAGMA user_version=" + std::to_string(version + 1));
        tx.commit();
        ++version;
    }
}

}  // namespace

namespace {

// A read-only connection. In WAL mode SQLite needs the -shm file; where it is missing and
// cannot be created (a directory this user cannot write), the file is opened as immutable,
// which reads the database file alone: a clean store (every writer closed) holds everything there.
SqliteDb open_read_only(const std::string& path, int busy_timeout_ms, std::int64_t& version) {
    try {
        SqliteDb db(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, busy_timeout_ms);
        version = check_identity(db);
        return db;
    } catch (const UsageError&) {
        if (::access(path.c_str(), R_OK) != 0) throw;
        SqliteDb db("file:" + path + "?immutable=1",
                    SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI,
                    busy_timeout_ms);
        version = check_identity(db);
        return db;
    }
}

}  // namespace

Store Store::open(const std::string& path, const StoreOptions& o) {
    const int target = o.schema_version < 0 ? store_schema_version() : o.schema_version;
    if (path.empty()) throw UsageError("empty database path");
    if (o.read_only) {
        if (!file_exists(path))
            throw UsageError("no database at " + path +
                             " (record a run first with 'flopmeter record', or give --db FILE)");
        std::int64_t version = 0;
        SqliteDb db = open_read_only(path, o.busy_timeout_ms, version);
        if (version >= target) return Store(std::move(db));
        return open_snapshot(path, o.busy_timeout_ms);
    }
    if (!o.create && !file_exists(path))
        throw UsageError("no database at " + path +
                         " (record a run first with 'flopmeter record', or give --db FILE)");
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;
    if (o.create) flags |= SQLITE_OPEN_CREATE;
    SqliteDb db(path, flags, o.busy_timeout_ms);
    const std::int64_t version = check_identity(db);
    {
        Statement wal(db, "PRAGMA journal_mode=WAL");
        if (wal.step() && wal.col_text(0) != "wal")
            throw UsageError("cannot switch database " + path +
                             " to WAL mode (journal mode stays " + wal.col_text(0) + ")");
    }
    db.exec("PRAGMA foreign_keys=ON");
    migrate(db, version, target);
    return Store(std::move(db));
}

Store Store::open_snapshot(const std::string& path, int busy_timeout_ms) {
    if (!file_exists(path)) throw UsageError("no database at " + path);
    std::int64_t version = 0;
    SqliteDb src = open_read_only(path, busy_timeout_ms, version);
    SqliteDb mem(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                 busy_timeout_ms);
    sqlite3_backup* b = sqlite3_backup_init(mem.handle(), "main", src.handle(), "main");
    if (!b) mem.fail(sqlite3_errcode(mem.handle()), "snapshot of " + path);
    const int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) src.fail(rc, "snapshot of " + path);
    // Older stores are migrated in memory; the source file stays as it was.
    migrate(mem, version, store_schema_version());
    return Store(std::move(mem));
}

int Store::schema_version() {
    return int(db_.query_int("PRAGMA user_version"));
}

RecordOutcome Store::add_run(const ResultsDocument& doc, const std::string& tag,
                             const std::string& key_in, const std::string& recorded_utc) {
    const std::string key = key_in.empty() ? run_content_key(doc) : key_in;
    WriteTransaction tx(db_);
    {
        Statement find(db_, "SELECT id FROM runs WHERE run_key = ?");
        find.bind(1, key);
        if (find.step()) return {find.col_int(0), false};
    }
    const Provenance& p = doc.provenance;
    Statement ins(db_,
                  "INSERT INTO runs (run_key, source, git_sha, tag, date_utc, recorded_utc, "
                  "hostname, fingerprint, "
                  "provenance_json, warnings_json) VALUES (?,?,?,?,?,?,?,?,?,?)");
    ins.bind(1, key)
        .bind(2, p.tool.empty() ? std::string("flopmeter") : p.tool)
        .bind(3, p.git_sha)
        .bind(4, tag)
        .bind(5, p.date_utc)
        .bind(6, recorded_utc.empty() ? utc_now_iso() : recorded_utc)
        .bind(7, p.hostname)
        .bind(8, p.fingerprint)
        .bind(9, provenance_to_json(p).dump())
        .bind(10, ojson(doc.warnings).dump());
    ins.run();
    const std::int64_t run_id = db_.last_insert_rowid();

    Statement ci(
        db_,
        "INSERT INTO cases (run_id, name, op, backend, dtype, status, n, median, ci_low, ci_high, "
        "model_flops, bytes, case_json, samples) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    bool paused = false;
    for (const CaseResult& c : doc.results) {
        ojson cj = case_to_json(c);
        // Samples go to the BLOB column; the JSON keeps everything else.
        if (cj.contains("timing")) cj["timing"].erase("samples");
        const Stats& s = c.measurement.stats;
        ci.reset();
        ci.bind(1, run_id).bind(2, c.name).bind(3, c.op).bind(4, c.backend).bind(5, c.dtype);
        ci.bind(6, case_status_name(c.status)).bind(7, s.n);
        if (c.status == CaseStatus::ok) {
            ci.bind(8, s.median).bind(9, s.ci_lo).bind(10, s.ci_hi);
        } else {
            ci.bind_null(8).bind_null(9).bind_null(10);
        }
        ci.bind(11, c.model_flops).bind(12, c.bytes).bind(13, cj.dump());
        const auto& v = c.measurement.samples;
        if (v.empty()) {
            ci.bind_null(14);
        } else {
            ci.bind_blob(14, v.data(), v.size() * sizeof(double));
        }
        try {
            ci.run();
        } catch (const std::runtime_error& e) {
            if (sqlite3_extended_errcode(db_.handle()) == SQLITE_CONSTRAINT_UNIQUE)
                throw UsageError("case '" + c.name +
                                 "' appears twice in the run; case names must be unique");
            throw;
        }
        if (!paused) {
            test_pause_in_record();
            paused = true;
        }
    }
    tx.commit();
    return {run_id, true};
}

std::vector<RunInfo> Store::runs() {
    Statement st(db_, "SELECT " + kRunColumns + " FROM runs r ORDER BY r.date_utc, r.id");
    std::vector<RunInfo> v;
    while (st.step()) v.push_back(read_run_info(st));
    return v;
}

std::optional<RunInfo> Store::run(std::int64_t id) {
    Statement st(db_, "SELECT " + kRunColumns + " FROM runs r WHERE r.id = ?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return read_run_info(st);
}

std::optional<RunInfo> Store::latest_run() {
    Statement st(
        db_, "SELECT " + kRunColumns + " FROM runs r ORDER BY r.date_utc DESC, r.id DESC LIMIT 1");
    if (!st.step()) return std::nullopt;
    return read_run_info(st);
}

std::vector<RunInfo> Store::runs_matching(const std::string& ref) {
    std::vector<RunInfo> v;
    if (ref.empty()) return v;
    // A SHA prefix needs a few characters to mean anything; a tag matches exactly.
    Statement st(db_, "SELECT " + kRunColumns +
                          " FROM runs r WHERE r.tag = ?1 OR (length(?1) >= 4 AND substr(r.git_sha, "
                          "1, length(?1)) = ?1)"
                          " ORDER BY r.date_utc, r.id");
    st.bind(1, ref);
    while (st.step()) v.push_back(read_run_info(st));
    return v;
}

StoredRun Store::load_run(std::int64_t id) {
    StoredRun out;
    Statement rs(db_, "SELECT " + kRunColumns +
                          ", r.provenance_json, r.warnings_json FROM runs r WHERE r.id = ?");
    rs.bind(1, id);
    if (!rs.step()) throw UsageError("no run " + std::to_string(id) + " in " + db_.path());
    out.info = read_run_info(rs);
    try {
        out.doc.provenance = provenance_from_json(ojson::parse(rs.col_text(10)));
        out.doc.warnings = ojson::parse(rs.col_text(11)).get<std::vector<std::string>>();
        Statement cs(db_, "SELECT case_json, samples FROM cases WHERE run_id = ? ORDER BY id");
        cs.bind(1, id);
        while (cs.step()) {
            CaseResult c = case_from_json(ojson::parse(cs.col_text(0)));
            if (!cs.col_null(1)) {
                c.measurement.samples = cs.col_doubles(1);
                c.measurement.stats = summarize(c.measurement.samples);
            }
            out.doc.results.push_back(std::move(c));
        }
    } catch (const nlohmann::json::exception& e) {
        throw UsageError("database " + db_.path() + " holds a malformed run " + std::to_string(id) +
                         ": " + e.what());
    }
    return out;
}

std::vector<CaseRow> Store::case_rows() {
    Statement st(
        db_,
        "SELECT " + kRunColumns +
            ", c.name, c.op, c.backend, c.dtype, c.n, c.median, c.ci_low, c.ci_high, "
            "c.model_flops, c.bytes"
            " FROM cases c JOIN runs r ON r.id = c.run_id WHERE c.status = 'ok' AND c.median > 0"
            " ORDER BY r.date_utc, r.id, c.id");
    std::vector<CaseRow> v;
    while (st.step()) {
        CaseRow c;
        c.run = read_run_info(st);
        c.name = st.col_text(10);
        c.op = st.col_text(11);
        c.backend = st.col_text(12);
        c.dtype = st.col_text(13);
        c.n = st.col_int(14);
        c.median = st.col_double(15);
        c.ci_low = st.col_double(16);
        c.ci_high = st.col_double(17);
        c.model_flops = st.col_double(18);
        c.bytes = st.col_double(19);
        v.push_back(std::move(c));
    }
    return v;
}

}  // namespace flopmeter
