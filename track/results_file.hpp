// Reading a result file for recording or comparing: flopmeter results JSON or Google
// Benchmark JSON, told apart by content. Every timed case must carry its raw samples, since
// the comparison tests distributions, not summaries.
#pragma once

#include <string>

#include "measure/result_json.hpp"

namespace flopmeter {

// Throws UsageError naming the file for unreadable files, other tools' JSON, and results
// without raw samples.
ResultsDocument load_results_file(const std::string& path);

// The same checks on a document already in memory (what `--record` on bench passes in).
void check_results_have_samples(const ResultsDocument& doc, const std::string& what);

}  // namespace flopmeter
