// The one bench loop: cases in, results out. Cases come in groups compared side by side (the
// backends of one problem); with rounds > 1 every case is measured again, the order inside each
// group alternating, and the samples pooled, so slow drifts of a shared machine hit all backends
// alike. A case known to be unavailable before anything runs is reported, never measured; a case
// that failed (validation, error, unavailable) is not measured again. Measuring is the case's
// own call (measure_gemm, measure_attention, ... which all go through measure_case()), so the
// bench commands and the calibration share one measurement path; the runner only orders,
// pools and reports progress. Printing is cli/'s job (cli/bench_printer.hpp).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "measure/result.hpp"
#include "measure/sampler.hpp"

namespace flopmeter {

struct BenchItem {
    std::string name;     // progress label
    std::string backend;  // a change of backend between two cases waits settle_ms first
    // Set when the case cannot run here (known before measuring): reported as it is.
    std::optional<CaseResult> unavailable;
    // Validates, then times (through measure_case()); never called when `unavailable` is set.
    std::function<CaseResult()> measure;
};

struct BenchRunOptions {
    int rounds = 1;
    std::size_t group = 1;  // consecutive items compared side by side (the backends of one problem)
    SamplerConfig sampler;  // the stopping rule, for pooled samples' convergence
    // Lets the previous library's worker threads stop spinning before another library is timed.
    int settle_ms = 200;
    // Only the items with these names (every item when empty), each measured alone; `ab` pairs
    // single cases this way. A name no item has is a UsageError listing the names there are.
    std::vector<std::string> only;
};

// What the runner reports before each case.
struct BenchProgress {
    std::size_t done = 0, total = 0;  // this case is number `done` of `total`
    std::string name;
    double elapsed_s = 0;
    double remaining_s = -1;  // estimated from the cases measured so far; < 0 until one was
};

// Runs every item `rounds` times in the order above; results in item order. Throws UsageError
// when rounds < 1, the items do not form whole groups or `only` names an unknown case.
std::vector<CaseResult> run_bench(const std::vector<BenchItem>& items, const BenchRunOptions& o,
                                  const std::function<void(const BenchProgress&)>& progress = {});

// Pools `more` into `into` (same case, another round): samples, and the rounds of a bandwidth
// pairing; refreshes its UNCONVERGED warning.
void pool_round(CaseResult& into, const CaseResult& more, const SamplerConfig& cfg);

}  // namespace flopmeter
