#include "calibrate/visit_plan.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>

namespace flopmeter {

std::vector<Visit> interleaved_schedule(std::size_t cases, int passes, std::uint64_t seed) {
    std::vector<Visit> v;
    std::mt19937_64 rng(seed);
    std::vector<std::size_t> order(cases);
    std::iota(order.begin(), order.end(), std::size_t(0));
    for (int p = 0; p < passes; ++p) {
        std::shuffle(order.begin(), order.end(), rng);
        // A case that ended the last pass does not start this one: its visits stay apart.
        if (!v.empty() && cases > 1 && order.front() == v.back().index)
            std::swap(order[0], order[1]);
        for (std::size_t i : order) v.push_back({i, p});
    }
    return v;
}

std::vector<Remeasure> pick_remeasure(const std::vector<PointHealth>& points,
                                      double outlier_threshold, std::size_t cap) {
    std::vector<Remeasure> out;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const PointHealth& h = points[i];
        Remeasure r{i, 0.0, ""};
        if (h.contended) {
            r.score = 1.0 + h.flagged_fraction;
            r.reason = "contended";
        }
        if (h.fit_point && outlier_threshold > 0 && h.loo_abs_error > outlier_threshold) {
            const double s = h.loo_abs_error / outlier_threshold;
            char b[48];
            std::snprintf(b, sizeof b, "outlier %.0f%%", 100.0 * h.loo_abs_error);
            if (s > r.score) r.score = s;
            r.reason = r.reason.empty() ? b : r.reason + ", " + b;
        }
        if (r.score > 0) out.push_back(r);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Remeasure& a, const Remeasure& b) { return a.score > b.score; });
    if (out.size() > cap) out.resize(cap);
    return out;
}

}  // namespace flopmeter
