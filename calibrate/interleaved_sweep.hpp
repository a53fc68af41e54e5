// The CPU calibration's measurement loop (calibrate/visit_plan.hpp): interleaved passes over
// the plan with each case's samples pooled across its visits, then one round of
// re-measurement of contended and outlying points until a deadline. The profile holds one
// CaseResult per case with the pooled samples and its visit count (param
// "calibration_visits"), written after every visit so --resume continues where it stopped.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <vector>

#include "calibrate/profile.hpp"
#include "calibrate/sweep.hpp"
#include "calibrate/visit_case.hpp"
#include "measure/sampler.hpp"

namespace flopmeter {

struct InterleavedOptions {
    int passes = 2;       // visits per case before re-measurement
    SamplerConfig visit;  // sampler settings of one visit (its budget is a share of the case's)
    double remeasure_deadline = 0;  // now_seconds() after which no re-measurement starts (0: none)
    double outlier_threshold = 0.15;  // leave-one-out |error| that marks a fit point outlying
    std::size_t remeasure_cap = 0;    // at most this many points measured again
    std::uint64_t seed = 1;
};

// Measures one visit of a case (measure_visit), adding its setup, validation, sampling and
// other time to the phases.
using VisitFn = std::function<CaseResult(const SweepCase&, VisitPhases&)>;
// Runs after every visit: saves the partial profile; returns true when the run was interrupted.
using AfterVisitFn = std::function<bool()>;

// Pools a later visit of the same case into `into`: samples merged (flag indices shifted),
// contention and warnings carried over, the visit counted. A failed visit replaces the result,
// so a kernel that fails validation once is never reported as measured.
void pool_visit(CaseResult& into, CaseResult more, const SamplerConfig& cfg);

// Visits already pooled into a measured case (1 for results written before visits were counted).
int case_visits(const CaseResult& r);

// Returns false when interrupted (the profile holds every visit made so far). Prints where
// the passes' and the re-measurement's wall time went (VisitPhases::line) and, when `phases`
// is given, adds every visit's phases there (pooling and `after` as bookkeeping).
bool run_interleaved_sweep(DeviceProfile& p, const std::vector<SweepCase>& plan,
                           const InterleavedOptions& o, const VisitFn& measure,
                           const AfterVisitFn& after, std::ostream& err,
                           VisitPhases* phases = nullptr);

}  // namespace flopmeter
