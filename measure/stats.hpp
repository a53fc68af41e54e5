// Summary statistics of timing samples, with a distribution-free confidence interval for the
// median (order statistics: exact binomial for small n, normal approximation above).
#pragma once

#include <cstdint>
#include <vector>

namespace flopmeter {

struct Stats {
    std::int64_t n = 0;
    double median = 0, ci_lo = 0, ci_hi = 0;  // 95% CI of the median
    double min = 0, max = 0, p10 = 0, p90 = 0;
    double mean = 0, stddev = 0, cv = 0;  // cv = stddev / mean
    // Half-width of the median's CI relative to the median; +inf when n is too small (< 6).
    double ci_rel_halfwidth() const;
};

// Median of unsorted data (the mean of the middle two for even n); 0 when empty.
double median(std::vector<double> v);

// Linear-interpolated quantile q in [0,1] of sorted data.
double quantile_sorted(const std::vector<double>& sorted, double q);

// Ranks (0-based, inclusive) of the order statistics bounding a `level` CI of the median for
// n samples; {-1,-1} when n is too small for that level.
struct RankPair {
    std::int64_t lo = -1, hi = -1;
};
RankPair median_ci_ranks(std::int64_t n, double level = 0.95);

Stats summarize(std::vector<double> samples, double level = 0.95);

}  // namespace flopmeter
