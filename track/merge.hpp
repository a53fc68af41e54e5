// Merging stores from several machines into one: every run of the source that the target
// lacks (by content key) is copied with its cases, samples, tag and recording date. Each run
// is one transaction, so an interrupted merge leaves whole runs only, and running it again
// completes it without duplicates.
#pragma once

#include <cstddef>
#include <string>

#include "track/store.hpp"

namespace flopmeter {

struct MergeOutcome {
    std::size_t added = 0, already_present = 0;
};

// The source is read through an in-memory snapshot and never modified. Throws UsageError when
// the source is missing, not a flopmeter store, or the target itself.
MergeOutcome merge_store(Store& target, const std::string& target_path,
                         const std::string& source_path, int busy_timeout_ms = 10000);

}  // namespace flopmeter
