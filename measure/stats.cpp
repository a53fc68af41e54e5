#include "measure/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace flopmeter {

double Stats::ci_rel_halfwidth() const {
    if (n < 6 || !(median > 0)) return std::numeric_limits<double>::infinity();
    return (ci_hi - ci_lo) / (2.0 * median);
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

double quantile_sorted(const std::vector<double>& s, double q) {
    if (s.empty()) return 0.0;
    const double pos = q * double(s.size() - 1);
    const std::size_t i = std::size_t(std::floor(pos));
    const double f = pos - double(i);
    if (i + 1 >= s.size()) return s.back();
    return s[i] + f * (s[i + 1] - s[i]);
}

namespace {
// P(X <= k) for X ~ Binomial(n, 1/2), in log space for stability.
double binom_half_cdf(std::int64_t n, std::int64_t k) {
    double total = 0;
    const double log_half_n = double(n) * std::log(0.5);
    for (std::int64_t i = 0; i <= k; ++i)
        total += std::exp(std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) -
                          std::lgamma(double(n - i) + 1) + log_half_n);
    return total;
}

// Inverse of the standard normal CDF by bisection on erfc (used once per summary).
double normal_quantile(double p) {
    double lo = -10, hi = 10;
    for (int i = 0; i < 100; ++i) {
        const double mid = 0.5 * (lo + hi);
        if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}
}  // namespace

RankPair median_ci_ranks(std::int64_t n, double level) {
    const double alpha = 1.0 - level;
    if (n <= 0) return {};
    if (n <= 200) {
        // Largest k with P(X <= k-1) <= alpha/2 (1-based rank k): CI = [x_(k), x_(n-k+1)].
        std::int64_t k = 0;
        while (k + 1 <= n && binom_half_cdf(n, k) <= alpha / 2) ++k;
        if (k == 0) return {};
        return {k - 1, n - k};
    }
    const double half = normal_quantile(1.0 - alpha / 2) * std::sqrt(double(n)) / 2.0;
    // 1-based ranks l = floor(n/2 - half), u = ceil(1 + n/2 + half); stored 0-based.
    std::int64_t lo = std::int64_t(std::floor(double(n) / 2.0 - half)) - 1;
    std::int64_t hi = std::int64_t(std::ceil(1.0 + double(n) / 2.0 + half)) - 1;
    lo = std::max<std::int64_t>(lo, 0);
    hi = std::min<std::int64_t>(hi, n - 1);
    return {lo, hi};
}

Stats summarize(std::vector<double> v, double level) {
    Stats s;
    s.n = std::int64_t(v.size());
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    s.min = v.front();
    s.max = v.back();
    s.median = quantile_sorted(v, 0.5);
    s.p10 = quantile_sorted(v, 0.10);
    s.p90 = quantile_sorted(v, 0.90);
    s.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.stddev = v.size() > 1 ? std::sqrt(ss / double(v.size() - 1)) : 0.0;
    s.cv = s.mean > 0 ? s.stddev / s.mean : 0.0;
    const RankPair r = median_ci_ranks(s.n, level);
    if (r.lo >= 0) {
        s.ci_lo = v[std::size_t(r.lo)];
        s.ci_hi = v[std::size_t(r.hi)];
    } else {
        s.ci_lo = s.min;
        s.ci_hi = s.max;
    }
    return s;
}

}  // namespace flopmeter
