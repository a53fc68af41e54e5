// The calibration's time estimator. Interference on a shared machine (another tenant, a
// stolen vCPU, a compiler on the other core) only ever adds time, so the fit takes a low
// quantile of a case's pooled samples rather than their median: the 20th percentile of the
// samples not flagged as contended or stalled. Held-out shapes are evaluated with the same
// estimator, so predicted and measured describe the same thing (the undisturbed time).
#pragma once

#include <vector>

#include "measure/result.hpp"

namespace flopmeter {

inline constexpr double kFitQuantile = 0.2;

// The q-quantile (linear interpolation between order statistics) of `samples`, leaving out
// the indices in `flagged` when at least `min_kept` samples remain; of all samples otherwise.
// 0 for no samples.
double low_quantile(const std::vector<double>& samples, const std::vector<std::int64_t>& flagged,
                    double q, std::size_t min_kept = 3);

// A measured case's time for the fit: low_quantile of its pooled samples at kFitQuantile; its
// median when the samples were not kept (profiles written before samples were pooled).
double fit_seconds(const CaseResult& r);

}  // namespace flopmeter
