// Result printers, one function per format; they read ResultsDocument and know nothing about
// how it was measured. flopmeter's own JSON is in result_json.hpp.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "measure/result_json.hpp"

namespace flopmeter {

// One row per case, every statistic and both FLOP counts; RFC 4180 quoting.
std::string results_to_csv(const ResultsDocument& doc);
// Provenance summary, a table of the cases, and the warnings (for a PR comment or a report).
std::string results_to_markdown(const ResultsDocument& doc);
// Google Benchmark's JSON layout (context + benchmarks), so tools/compare.py accepts it. Each
// case that ran gives `repetitions` iteration rows (fewer when it has fewer samples): the
// samples in the order taken, cut into that many blocks, each row the block's median
// (real_time in ns). With one repetition, one row per case carries the case's median, so
// compare.py's OVERALL_GEOMEAN is the geometric mean of the per-case median ratios; with more,
// the mean/median/stddev/cv aggregates follow as Google Benchmark writes them. Cases that did
// not run are left out (a zero time would void compare.py's geomean).
std::string results_to_gbench_json(const ResultsDocument& doc, int repetitions = 1);

// The provenance fields that identify the hardware (and the fingerprint built from them) as
// Google Benchmark context entries "flopmeter_*", so a run read back from Google Benchmark JSON
// matches a native run of the same machine.
std::vector<std::pair<std::string, std::string>> gbench_provenance_context(const Provenance& p);

}  // namespace flopmeter
