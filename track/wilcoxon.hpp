// Wilcoxon signed-rank test of paired differences (one per round of an A/B comparison: the
// log of the time ratio candidate/baseline), with the Hodges-Lehmann estimate of their centre
// (the median of the Walsh averages) and its distribution-free confidence interval, the
// interval that inverts the signed-rank test. Applied to log ratios, exp() of the estimate and
// the interval are the typical ratio and an interval for it.
//
// Zeros are dropped from the test (Wilcoxon's convention); tied |d| get mid-ranks. Without
// ties and with at most kWilcoxonExactMax non-zero differences the null distribution is exact
// (every sign pattern equally likely); otherwise the normal approximation with the tie
// correction of the variance and a continuity correction.
#pragma once

#include <cstdint>
#include <vector>

namespace flopmeter {

inline constexpr std::int64_t kWilcoxonExactMax = 50;

struct SignedRank {
    std::int64_t n = 0;      // non-zero differences used
    std::int64_t zeros = 0;  // dropped
    double w_plus = 0;       // sum of the ranks of the positive differences
    double z = 0;            // normal approximation statistic (0 when exact)
    double p_two_sided = 1;  // 1 when nothing is left to test
    bool exact = false;
};

SignedRank wilcoxon_signed_rank(const std::vector<double>& d);

// P(W+ <= w) under the null hypothesis for n differences without ties (exact).
double signed_rank_exact_cdf(std::int64_t n, double w);

struct PairedShift {
    double estimate = 0, lo = 0, hi = 0;  // Hodges-Lehmann estimate and interval
    bool valid = false;                   // false when d is empty
};

// Walsh averages (d_i + d_j) / 2, i <= j: the interval runs from the k-th smallest to the
// k-th largest, k from the signed-rank distribution at (1 - level) / 2 (exact up to
// kWilcoxonExactMax values, normal approximation beyond). All differences, zeros included.
PairedShift hodges_lehmann_paired(const std::vector<double>& d, double level = 0.95);

}  // namespace flopmeter
