// Google Benchmark JSON (--benchmark_format=json / --benchmark_out) from any project, read
// as a flopmeter run: each benchmark name becomes a case whose raw samples are the
// per-iteration real times of its repetitions (--benchmark_repetitions=N gives N samples).
// Aggregate rows (mean, median, stddev, cv) are derived data and are not imported.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "measure/result_json.hpp"

namespace flopmeter {

// Parses JSON text that may be Google Benchmark's: its writer prints a non-finite number as a
// bare NaN or inf (the "cv" aggregate of a counter that is 0 in every repetition is 0/0), which
// is not JSON. When the strict parse fails, such literals outside strings are read as null.
// Throws nlohmann::json::exception like parse() when the text is malformed otherwise.
nlohmann::ordered_json parse_gbench_json(const std::string& text);

// Whether `j` looks like Google Benchmark output (an object with "context" and "benchmarks").
bool is_gbench_json(const nlohmann::ordered_json& j);

// Throws UsageError when the document is malformed or holds only aggregates. The provenance
// says tool "google-benchmark"; its fingerprint is built from the context (host, CPU count,
// caches), since Google Benchmark records no CPU model, unless the context holds flopmeter's
// hardware fields (flopmeter-bench, `convert --to gbench`): then those are used, and the run
// matches a native flopmeter run of the same machine.
ResultsDocument gbench_to_results(const nlohmann::ordered_json& j);

}  // namespace flopmeter
