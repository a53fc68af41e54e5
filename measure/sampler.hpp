// The timing phases shared by every kernel: warm up, then take samples until the 95% CI of
// the median is within the target or the time budget runs out. Nothing is allocated or
// validated in here: callers do that before (see measure_case.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "measure/stats.hpp"

namespace flopmeter {

struct SamplerConfig {
    double target_rel_ci = 0.01;  // stop when the CI half-width of the median / median <= this
    int min_samples = 10;
    int max_samples = 100000;
    double budget_s = 2.0;       // wall time for the sampling phase of one case
    double warmup_s = 0.05;      // warm-up lasts at least this long...
    int min_warmup_runs = 1;     // ...and at least this many calls
    double min_sample_s = 1e-3;  // batch calls so one sample lasts at least this (warm mode)
    bool batch = true;           // false: one call per sample (cold mode scrubs between calls)
};

struct Measurement {
    std::vector<double> samples;  // seconds per call, one per sample, in order taken
    Stats stats;
    bool converged = false;  // CI target reached within the budget
    std::int64_t calls_per_sample = 1;
    std::int64_t warmup_runs = 0;
    double warmup_s = 0, elapsed_s = 0;
    std::string stop_reason;            // "ci_target", "budget", "max_samples"
    std::vector<std::int64_t> flagged;  // indices of samples taken while the core was slowed
};

// Runs `calls` back-to-back calls of the kernel and returns their total duration in seconds,
// measured by whatever clock suits the device (steady clock on the CPU, events on a GPU).
using TimedFn = std::function<double(std::int64_t calls)>;

// `between(i)` (optional) runs before sample i, outside the timed region: cache scrubbing,
// buffer rotation, clock probes. It is also called before each warm-up run with i = -1.
Measurement sample(const TimedFn& timed, const SamplerConfig& cfg,
                   const std::function<void(std::int64_t)>& between = {});

// Pools the samples of a later measurement of the same case into `into` (rounds run
// round-robin across backends), recomputing statistics and convergence.
void merge_measurement(Measurement& into, const Measurement& more, const SamplerConfig& cfg);

// "UNCONVERGED: ..." explaining why a measurement missed its target; "" when it converged.
std::string unconverged_message(const Measurement& m, const SamplerConfig& cfg);

double now_seconds();  // steady clock

// A TimedFn for a CPU call: wall time of `calls` back-to-back calls on the steady clock.
TimedFn steady_clock_timer(std::function<void()> run);

}  // namespace flopmeter
