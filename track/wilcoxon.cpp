#include "track/wilcoxon.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "track/mann_whitney.hpp"  // normal_sf, normal_quantile

namespace flopmeter {

namespace {

// Number of the 2^n sign patterns with W+ = w, for w = 0..n(n+1)/2: the subsets of {1..n}
// summing to w, by the usual subset-sum recursion. Counts stay below 2^50 for n <= 50, so
// doubles hold them exactly.
std::vector<double> signed_rank_counts(std::int64_t n) {
    const std::size_t top = std::size_t(n * (n + 1) / 2);
    std::vector<double> c(top + 1, 0.0);
    c[0] = 1;
    std::size_t reach = 0;
    for (std::int64_t r = 1; r <= n; ++r) {
        reach += std::size_t(r);
        for (std::size_t w = reach; w >= std::size_t(r); --w) c[w] += c[w - std::size_t(r)];
    }
    return c;
}

// Critical count k: the largest k with P(W+ <= k - 1) <= alpha / 2 (at least 1).
std::int64_t walsh_rank_exact(std::int64_t n, double level) {
    const auto c = signed_rank_counts(n);
    const double total = std::ldexp(1.0, int(n)), half_alpha = 0.5 * (1.0 - level);
    double cum = 0;
    std::int64_t k = 0;  // P(W+ <= k - 1) accumulated in cum
    while (std::size_t(k) < c.size() && (cum + c[std::size_t(k)]) / total <= half_alpha)
        cum += c[std::size_t(k++)];
    return std::max<std::int64_t>(k, 1);
}

}  // namespace

double signed_rank_exact_cdf(std::int64_t n, double w) {
    if (n <= 0) return 1.0;
    const auto c = signed_rank_counts(n);
    const double total = std::ldexp(1.0, int(n));
    double s = 0;
    for (std::size_t k = 0; k < c.size() && double(k) <= w + 1e-9; ++k) s += c[k];
    return std::min(1.0, s / total);
}

SignedRank wilcoxon_signed_rank(const std::vector<double>& d) {
    SignedRank r;
    std::vector<double> a;  // |d| of the non-zero differences
    std::vector<bool> pos;
    for (double x : d) {
        if (x == 0) {
            ++r.zeros;
            continue;
        }
        a.push_back(std::fabs(x));
        pos.push_back(x > 0);
    }
    r.n = std::int64_t(a.size());
    if (r.n == 0) return r;
    std::vector<std::size_t> order(a.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t i, std::size_t j) { return a[i] < a[j]; });
    std::vector<double> rank(a.size());
    double tie_term = 0;  // sum of t^3 - t over groups of tied |d|
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && a[order[j + 1]] == a[order[i]]) ++j;
        const double mid = 0.5 * double(i + j) + 1.0;  // ranks are 1-based
        for (std::size_t k = i; k <= j; ++k) rank[order[k]] = mid;
        const double t = double(j - i + 1);
        tie_term += t * t * t - t;
        i = j + 1;
    }
    for (std::size_t i = 0; i < a.size(); ++i)
        if (pos[i]) r.w_plus += rank[i];
    const double n = double(r.n), top = n * (n + 1) / 2;
    if (tie_term == 0 && r.n <= kWilcoxonExactMax) {
        r.exact = true;
        const double lower = signed_rank_exact_cdf(r.n, r.w_plus);        // P(W <= w)
        const double upper = signed_rank_exact_cdf(r.n, top - r.w_plus);  // P(W >= w), by symmetry
        r.p_two_sided = std::min(1.0, 2.0 * std::min(lower, upper));
        return r;
    }
    const double mean = top / 2, var = n * (n + 1) * (2 * n + 1) / 24.0 - tie_term / 48.0;
    if (!(var > 0)) return r;
    const double dev = std::fabs(r.w_plus - mean);
    r.z = std::max(0.0, dev - 0.5) / std::sqrt(var);
    r.p_two_sided = std::min(1.0, 2.0 * normal_sf(r.z));
    return r;
}

PairedShift hodges_lehmann_paired(const std::vector<double>& d, double level) {
    PairedShift s;
    const std::size_t n = d.size();
    if (n == 0) return s;
    std::vector<double> walsh;
    walsh.reserve(n * (n + 1) / 2);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i; j < n; ++j) walsh.push_back(0.5 * (d[i] + d[j]));
    std::sort(walsh.begin(), walsh.end());
    const std::size_t m = walsh.size();
    s.estimate = m % 2 ? walsh[m / 2] : 0.5 * (walsh[m / 2 - 1] + walsh[m / 2]);
    std::int64_t k;
    if (std::int64_t(n) <= kWilcoxonExactMax) {
        k = walsh_rank_exact(std::int64_t(n), level);
    } else {
        const double nn = double(n), mean = nn * (nn + 1) / 4,
                     sd = std::sqrt(nn * (nn + 1) * (2 * nn + 1) / 24.0);
        k = std::max<std::int64_t>(
            1, std::int64_t(std::floor(mean - normal_quantile(0.5 + 0.5 * level) * sd)));
    }
    k = std::min<std::int64_t>(k, std::int64_t((m + 1) / 2));
    s.lo = walsh[std::size_t(k - 1)];
    s.hi = walsh[m - std::size_t(k)];
    s.valid = true;
    return s;
}

}  // namespace flopmeter
