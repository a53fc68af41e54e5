#include "track/mann_whitney.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace flopmeter {

double normal_sf(double z) {
    return 0.5 * std::erfc(z / std::sqrt(2.0));
}

double normal_quantile(double p) {
    // Bisection on the CDF: 200 halvings of [-40, 40] reach double precision.
    double lo = -40, hi = 40;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (lo + hi);
        if (1.0 - normal_sf(mid) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

namespace {

// Null distribution of U for sizes (m, n): P_{m,n}(u), from the recursion of Mann & Whitney
// (1947), Ann. Math. Statist. 18(1):50-60, eq. (3) in probability form:
//   P_{m,n}(u) = m/(m+n) P_{m-1,n}(u-n) + n/(m+n) P_{m,n-1}(u),
// (the largest of the m+n values is from the first sample with probability m/(m+n), and then
// beats all n of the second). Probabilities stay in [0,1], so no overflow of counts.
std::vector<double> exact_pmf(std::int64_t m_max, std::int64_t n_max) {
    // row[n] holds P_{m,n}(.) for the current m.
    std::vector<std::vector<double>> prev(std::size_t(n_max + 1)), cur(std::size_t(n_max + 1));
    for (auto& v : prev) v = {1.0};  // m = 0: U = 0 surely
    for (std::int64_t m = 1; m <= m_max; ++m) {
        cur[0] = {1.0};  // n = 0: U = 0 surely
        for (std::int64_t n = 1; n <= n_max; ++n) {
            std::vector<double> p(std::size_t(m * n + 1), 0.0);
            const double a = double(m) / double(m + n), b = double(n) / double(m + n);
            const auto& left = prev[std::size_t(n)];     // P_{m-1,n}
            const auto& down = cur[std::size_t(n - 1)];  // P_{m,n-1}
            for (std::size_t u = 0; u < left.size(); ++u) p[u + std::size_t(n)] += a * left[u];
            for (std::size_t u = 0; u < down.size(); ++u) p[u] += b * down[u];
            cur[std::size_t(n)] = std::move(p);
        }
        std::swap(prev, cur);
    }
    return prev[std::size_t(n_max)];
}

}  // namespace

double mann_whitney_exact_cdf(std::int64_t n1, std::int64_t n2, double u) {
    const std::vector<double> p = exact_pmf(n1, n2);
    double c = 0;
    for (std::size_t k = 0; k < p.size() && double(k) <= u + 1e-9; ++k) c += p[k];
    return std::min(1.0, c);
}

MannWhitney mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y) {
    MannWhitney r;
    r.n1 = std::int64_t(x.size());
    r.n2 = std::int64_t(y.size());
    if (x.empty() || y.empty()) return r;
    const std::size_t n = x.size() + y.size();
    std::vector<std::pair<double, int>> all;
    all.reserve(n);
    for (double v : x) all.push_back({v, 0});
    for (double v : y) all.push_back({v, 1});
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });

    // Mid-ranks for ties; tie_term = sum over tie groups of (t^3 - t).
    double rank_sum_x = 0, tie_term = 0;
    bool ties = false;
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        while (j < n && all[j].first == all[i].first) ++j;
        const double t = double(j - i);
        const double mid_rank = 0.5 * double(i + 1 + j);  // average of ranks i+1 .. j
        for (std::size_t k = i; k < j; ++k)
            if (all[k].second == 0) rank_sum_x += mid_rank;
        if (t > 1) {
            ties = true;
            tie_term += t * t * t - t;
        }
        i = j;
    }
    const double n1 = double(r.n1), n2 = double(r.n2), nn = double(n);
    r.u = rank_sum_x - n1 * (n1 + 1) / 2;

    if (!ties && r.n1 <= kMannWhitneyExactMax && r.n2 <= kMannWhitneyExactMax) {
        // Two-sided exact p: twice the smaller tail, capped at 1.
        const std::vector<double> p = exact_pmf(r.n1, r.n2);
        double lower = 0, upper = 0;
        for (std::size_t k = 0; k < p.size(); ++k) {
            if (double(k) <= r.u + 1e-9) lower += p[k];
            if (double(k) >= r.u - 1e-9) upper += p[k];
        }
        r.exact = true;
        r.p_two_sided = std::min(1.0, 2.0 * std::min(lower, upper));
        return r;
    }
    // Normal approximation with the tie-corrected variance
    //   var U = n1 n2 / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1)))
    // (e.g. Hollander & Wolfe, Nonparametric Statistical Methods, 2nd ed., sec. 4.1) and a
    // continuity correction of 1/2 towards the mean.
    const double mean = n1 * n2 / 2;
    const double var = n1 * n2 / 12.0 * ((nn + 1) - tie_term / (nn * (nn - 1)));
    if (!(var > 0)) return r;  // every value equal: no evidence either way
    const double dev = std::max(0.0, std::fabs(r.u - mean) - 0.5);
    r.z = (r.u >= mean ? dev : -dev) / std::sqrt(var);
    r.p_two_sided = std::min(1.0, 2.0 * normal_sf(std::fabs(r.z)));
    return r;
}

}  // namespace flopmeter
