#include "track/change_points.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace flopmeter {

double robust_noise_sigma(const std::vector<double>& x) {
    if (x.size() < 3) return 0.0;
    std::vector<double> d;
    for (std::size_t i = 1; i < x.size(); ++i) d.push_back(x[i] - x[i - 1]);
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        const std::size_t m = v.size() / 2;
        return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
    };
    const double med = median(d);
    for (auto& v : d) v = std::fabs(v - med);
    // 1.4826 makes the MAD consistent for the normal standard deviation; a difference of two
    // independent points has twice the variance of one.
    return 1.4826 * median(d) / std::sqrt(2.0);
}

namespace {

// Segment cost: residual sum of squares around the segment mean over sigma^2, i.e. twice the
// negative Gaussian log-likelihood up to a constant. Prefix sums make it O(1).
struct SegmentCost {
    std::vector<double> s1, s2;
    double inv_var;
    SegmentCost(const std::vector<double>& x, double sigma)
        : s1(x.size() + 1, 0.0), s2(x.size() + 1, 0.0) {
        for (std::size_t i = 0; i < x.size(); ++i) {
            s1[i + 1] = s1[i] + x[i];
            s2[i + 1] = s2[i] + x[i] * x[i];
        }
        inv_var = 1.0 / (sigma * sigma);
    }
    double operator()(std::size_t a, std::size_t b) const {  // [a, b)
        const double n = double(b - a), s = s1[b] - s1[a];
        return std::max(0.0, (s2[b] - s2[a]) - s * s / n) * inv_var;
    }
};

double median_of(const std::vector<double>& x, std::size_t a, std::size_t b) {
    std::vector<double> v(x.begin() + std::ptrdiff_t(a), x.begin() + std::ptrdiff_t(b));
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace

ChangePoints detect_change_points(const std::vector<double>& x, const ChangePointOptions& o) {
    ChangePoints r;
    const std::size_t n = x.size();
    const std::size_t L = std::max<std::size_t>(1, o.min_segment);
    r.sigma = std::max(robust_noise_sigma(x), o.min_sigma);
    // Default penalty 3 ln n: between BIC (ln n per parameter) and the modified BIC of Zhang &
    // Siegmund (2007, Biometrics 63:22-32), conservative on purpose: a false alarm in CI costs
    // more trust than a change found one run late.
    r.penalty = o.penalty >= 0 ? o.penalty : 3.0 * std::log(std::max<double>(double(n), 2.0));
    if (n == 0) return r;
    const SegmentCost cost(x, r.sigma);

    std::vector<std::size_t> cps;
    if (n >= 2 * L) {
        // Optimal partitioning (Jackson et al. 2005, IEEE Signal Processing Letters 12(2):105-108;
        // the same optimum PELT, Killick, Fearnhead & Eckley 2012, JASA 107:1590-1598, reaches
        // with pruning): F(t) = min over s of F(s) + C(s, t) + penalty, segments >= L long.
        // O(n^2) is instant for histories of thousands of runs, and exact with a minimum length,
        // where PELT's pruning rule needs care.
        const double inf = std::numeric_limits<double>::infinity();
        std::vector<double> F(n + 1, inf);
        std::vector<std::size_t> last(n + 1, 0);
        F[0] = -r.penalty;
        for (std::size_t t = L; t <= n; ++t)
            for (std::size_t s = 0; s + L <= t; ++s) {
                if (F[s] == inf) continue;
                const double v = F[s] + cost(s, t) + r.penalty;
                if (v < F[t]) {
                    F[t] = v;
                    last[t] = s;
                }
            }
        for (std::size_t t = n; t > 0; t = last[t])
            if (last[t] > 0) cps.push_back(last[t]);
        std::reverse(cps.begin(), cps.end());
    }

    // The squared-error cost lets one large spike buy itself a short segment; what survives
    // must be a real level shift. A change point stays only when the medians of its two
    // neighbouring segments differ by at least min_step and at least min_segment points on
    // each side lie on their own side of the midway level (a spike or a blip shorter than
    // min_segment does not). The weakest change point is merged first, then the rest re-judged.
    const double min_log_step = std::log1p(std::max(0.0, o.min_step));
    auto strength = [&](std::size_t i) {
        const std::size_t a = i == 0 ? 0 : cps[i - 1], b = cps[i],
                          c = i + 1 < cps.size() ? cps[i + 1] : n;
        const double ma = median_of(x, a, b), mb = median_of(x, b, c), mid = 0.5 * (ma + mb);
        std::size_t side_a = 0, side_b = 0;
        for (std::size_t k = a; k < b; ++k) side_a += (x[k] - mid) * (ma - mid) > 0;
        for (std::size_t k = b; k < c; ++k) side_b += (x[k] - mid) * (mb - mid) > 0;
        return side_a >= L && side_b >= L ? std::fabs(mb - ma) : 0.0;
    };
    while (!cps.empty()) {
        std::size_t weakest = 0;
        double s = strength(0);
        for (std::size_t i = 1; i < cps.size(); ++i)
            if (const double si = strength(i); si < s) {
                s = si;
                weakest = i;
            }
        if (s >= min_log_step) break;
        cps.erase(cps.begin() + std::ptrdiff_t(weakest));
    }

    r.at = cps;
    std::size_t a = 0;
    for (std::size_t i = 0; i <= cps.size(); ++i) {
        const std::size_t b = i < cps.size() ? cps[i] : n;
        r.segments.push_back({a, b, median_of(x, a, b)});
        a = b;
    }
    return r;
}

}  // namespace flopmeter
