// Two-sided Mann-Whitney U test (Wilcoxon rank-sum) of two independent samples: does one
// tend to be larger than the other? Distribution-free, so it suits skewed timing samples.
// Small samples without ties get the exact null distribution; otherwise the normal
// approximation with tie and continuity corrections.
#pragma once

#include <cstdint>
#include <vector>

namespace flopmeter {

struct MannWhitney {
    std::int64_t n1 = 0, n2 = 0;
    double u = 0;            // U of the first sample: pairs with x > y, plus half the ties
    double z = 0;            // normal approximation statistic (0 when exact)
    double p_two_sided = 1;  // 1 when either sample is empty or everything ties
    bool exact = false;
};

// Exact distribution used when neither sample exceeds this size and no values tie.
inline constexpr std::int64_t kMannWhitneyExactMax = 50;

MannWhitney mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y);

// P(U <= u) under the null hypothesis for sample sizes n1, n2 without ties (exact).
double mann_whitney_exact_cdf(std::int64_t n1, std::int64_t n2, double u);

// Upper tail of the standard normal distribution, P(Z > z).
double normal_sf(double z);
// Quantile of the standard normal distribution.
double normal_quantile(double p);

}  // namespace flopmeter
