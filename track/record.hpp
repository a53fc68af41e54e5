// Recording results into the store: what `flopmeter record` does, and what `--record` on
// `bench` and `calibrate` calls with the document they just measured.
#pragma once

#include <string>

#include "measure/result_json.hpp"
#include "track/store.hpp"

namespace flopmeter {

struct RecordOptions {
    std::string tag;              // optional name for the run ("v1.2", "nightly")
    std::string git_sha;          // overrides the provenance's SHA (imports from other tools)
    int busy_timeout_ms = 10000;  // wait this long for another process recording at once
};

// Stores `doc` as one run in the store at `db_path` (created when missing). Throws
// UsageError for results without raw samples, a store that is not flopmeter's, corrupt or
// locked beyond the timeout; the store is unchanged then. Recording the same run twice
// stores it once (outcome.added == false the second time).
RecordOutcome record_results(const ResultsDocument& doc, const std::string& db_path,
                             const RecordOptions& o = {});

}  // namespace flopmeter
