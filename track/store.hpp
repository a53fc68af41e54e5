// The results store: an SQLite file holding runs (provenance, fingerprint, git SHA, tag)
// and every case of each run with its statistics and raw samples. WAL mode and a busy
// timeout let several processes record at once; every write is one transaction, so a run
// is either fully stored or absent. The schema is versioned (PRAGMA user_version) and
// migrated forward on open (track/store_migrations.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "measure/result_json.hpp"
#include "track/sqlite_db.hpp"

namespace flopmeter {

// Current schema; migrations bring older stores up to it.
int store_schema_version();

// $FLOPMETER_DB when set and non-empty, else "flopmeter.db" in the current directory.
std::string default_db_path();

struct StoreOptions {
    int busy_timeout_ms = 10000;  // how long to wait for another writer
    bool create = false;          // create the file when missing (record, merge)
    int schema_version = -1;      // migrate up to this version (-1: current); tests use older ones
    // Reading commands (history, check, export): open without write access, so a store in a
    // directory this user cannot write (or a read-only file) can still be read. An older store
    // is migrated in memory, as for open_snapshot.
    bool read_only = false;
};

struct RunInfo {
    std::int64_t id = 0;
    std::string key;     // content digest: the same run recorded twice (or merged) is one run
    std::string source;  // "flopmeter", "google-benchmark"
    std::string git_sha, tag, date_utc, recorded_utc, hostname, fingerprint;
    std::int64_t cases = 0;
};

struct StoredRun {
    RunInfo info;
    ResultsDocument doc;
};

struct RecordOutcome {
    std::int64_t run_id = 0;
    bool added = false;  // false: the same run was already stored
};

// One case of one run, without samples (history, listings).
struct CaseRow {
    RunInfo run;
    std::string name, op, backend, dtype;
    std::int64_t n = 0;
    double median = 0, ci_low = 0, ci_high = 0, model_flops = 0, bytes = 0;
};

class Store {
  public:
    // Opens (and migrates) the store at `path`. Throws UsageError when the file is missing
    // (unless o.create), is not a flopmeter store, is corrupt, locked, or from a newer flopmeter;
    // such a file is left as it was.
    static Store open(const std::string& path, const StoreOptions& o = {});

    // A read-only copy in memory of the store at `path`, migrated there if older: merging
    // reads other machines' stores this way without modifying them.
    static Store open_snapshot(const std::string& path, int busy_timeout_ms = 10000);

    int schema_version();
    SqliteDb& db() { return db_; }

    // Stores a whole run in one transaction. `key` empty: the digest of the run's content.
    RecordOutcome add_run(const ResultsDocument& doc, const std::string& tag = "",
                          const std::string& key = "", const std::string& recorded_utc = "");

    std::vector<RunInfo> runs();  // oldest first (measurement date, then id)
    std::optional<RunInfo> run(std::int64_t id);
    std::optional<RunInfo> latest_run();
    // Runs whose git SHA starts with `ref` (at least 4 characters) or whose tag equals it.
    std::vector<RunInfo> runs_matching(const std::string& ref);
    StoredRun load_run(std::int64_t id);
    std::vector<CaseRow> case_rows();  // every ok case of every run, oldest run first

  private:
    explicit Store(SqliteDb db) : db_(std::move(db)) {}
    SqliteDb db_;
};

// Digest of a run's content (two independent 64-bit FNV-1a hashes, hex): identifies a run
// across stores so that recording or merging it twice stores it once. Not cryptographic.
std::string run_content_key(const ResultsDocument& doc);

std::string utc_now_iso();

}  // namespace flopmeter
