#include "track/store_migrations.hpp"

namespace flopmeter {

const std::vector<std::string>& store_migrations() {
    static const std::vector<std::string> m = {
        // 1: runs and cases. Statistics columns are copies of what case_json holds, kept as
        // columns so history and listings need no JSON parsing; raw samples are a BLOB of
        // doubles (seconds per call) because they dominate the size.
        R"sql(
        CREATE TABLE runs (
          id INTEGER PRIMARY KEY,
          run_key TEXT NOT NULL UNIQUE,
          source TEXT NOT NULL,
          git_sha TEXT NOT NULL,
          date_utc TEXT NOT NULL,
          recorded_utc TEXT NOT NULL,
          hostname TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          provenance_json TEXT NOT NULL,
          warnings_json TEXT NOT NULL);
        CREATE TABLE cases (
          id INTEGER PRIMARY KEY,
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          op TEXT NOT NULL,
          backend TEXT NOT NULL,
          dtype TEXT NOT NULL,
          status TEXT NOT NULL,
          n INTEGER NOT NULL,
          median REAL,
          ci_low REAL,
          ci_high REAL,
          model_flops REAL,
          bytes REAL,
          case_json TEXT NOT NULL,
          samples BLOB,
          UNIQUE (run_id, name));
        CREATE INDEX cases_name ON cases(name);
        )sql",
        // 2: tags ("v1.2", "main") so a baseline can be named without a SHA; indexes for the
        // lookups `check --baseline` does.
        R"sql(
        ALTER TABLE runs ADD COLUMN tag TEXT NOT NULL DEFAULT '';
        CREATE INDEX runs_git_sha ON runs(git_sha);
        CREATE INDEX runs_tag ON runs(tag);
        )sql",
    };
    return m;
}

}  // namespace flopmeter
