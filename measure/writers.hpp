// Result printers, one function per format; they read ResultsDocument and know nothing about
// how it was measured. flopmeter's own JSON is in result_json.hpp.
#pragma once

#include <string>

#include "measure/result_json.hpp"

namespace flopmeter {

// One row per case, every statistic and both FLOP counts; RFC 4180 quoting.
std::string results_to_csv(const ResultsDocument& doc);
// Provenance summary, a table of the cases, and the warnings (for a PR comment or a report).
std::string results_to_markdown(const ResultsDocument& doc);
// Google Benchmark's JSON layout (context + benchmarks), so tools/compare.py accepts it: each
// raw sample is one repetition (real_time in ns), followed by mean/median/stddev aggregates.
std::string results_to_gbench_json(const ResultsDocument& doc);

}  // namespace flopmeter
