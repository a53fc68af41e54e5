// The one measurement path: validate, allocate (done by the case), warm up, sample,
// summarise, annotated with cache mode, clock probes, hardware counters and % of ceiling.
// The CLI, the calibration and the Google Benchmark binary all come through here (or, for
// Google Benchmark's own loop, through the same KernelCase and counters).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "measure/cache_scrub.hpp"
#include "measure/clock_probe.hpp"
#include "measure/kernel_case.hpp"
#include "measure/sampler.hpp"

namespace flopmeter {

enum class CacheMode { warm, cold };
std::string cache_mode_name(CacheMode m);

struct MeasureOptions {
    SamplerConfig sampler;
    CacheMode cache = CacheMode::warm;
    bool probe_clock = true;  // add-chain probes before/after (and during long cases)
    bool count_flops = true;  // hardware counters over one extra call, when available
    // false: the case object was validated by an earlier call of measure_case and is measured
    // again on the same operands and plan (the calibration's later visits); the result then
    // says validated with detail "validated on an earlier visit".
    bool validate = true;
    // Measured ceilings (FLOP/s) per dtype name for % of ceiling; datasheet peaks likewise.
    std::map<std::string, double> ceilings, datasheet_peaks;
};

// Process-wide state shared by cases: the scrub buffer (allocated on first cold case) and
// the clock monitor (its reference is the fastest reading seen).
class MeasureContext {
  public:
    explicit MeasureContext(int threads);
    CacheScrubber& scrubber();
    ClockMonitor& clock() { return clock_; }
    // Run-level warnings gathered so far (contention, counters unavailable, ...), deduplicated.
    const std::vector<std::string>& warnings() const { return warnings_; }
    void warn(const std::string& w);

  private:
    std::unique_ptr<CacheScrubber> scrubber_;
    ClockMonitor clock_;
    std::vector<std::string> warnings_;
};

// Validates, then times. Never throws for kernel-level failures: the result's status says what
// happened (validation_failed, error). Samples between clock probes that read slowed are
// listed in measurement.flagged.
CaseResult measure_case(KernelCase& c, const MeasureOptions& o, MeasureContext& ctx);

// TEST-ONLY knob (regression-tracking figures, scripts/track-figures.sh, flopmeter ab tests):
// FLOPMETER_TEST_SLOWDOWN=<case-name-substring>:<fraction> makes matching cases really slower by
// spinning for fraction x each timed batch's duration inside the timed region (measure_case and
// the Google Benchmark binary alike). Returns the fraction for case `name` (0: not slowed).
double test_slowdown_fraction(const std::string& name);
// TEST-ONLY knob (flopmeter ab tests): FLOPMETER_TEST_DISTURBED=<case-name-substring> flags every
// sample of matching cases as the probes flag a phase in which the host took or shared a vCPU
// (the case is also marked contended, with a warning saying it was the knob).
bool test_disturbed(const std::string& name);
// Spins for `seconds` on the steady clock (what the knob adds inside a timed region).
void spin_for(double seconds);

}  // namespace flopmeter
