#include "comm/comm_series.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "comm/collective_spec.hpp"
#include "measure/stats.hpp"

namespace flopmeter::comm {

std::string bytes_text(double b) {
    const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (u < 4 && b >= 1024) {
        b /= 1024;
        ++u;
    }
    char s[32];
    std::snprintf(s, sizeof s, b == double(std::int64_t(b)) ? "%.0f %s" : "%.3g %s", b, unit[u]);
    return s;
}

SizePoint summarize_point(Collective c, int ranks, std::int64_t bytes, std::vector<double> t) {
    SizePoint p;
    p.bytes = bytes;
    p.iterations = int(t.size());
    if (t.empty()) return p;
    std::sort(t.begin(), t.end());
    p.time_s = quantile_sorted(t, 0.5);
    p.p20_s = quantile_sorted(t, 0.2);
    p.p99_s = quantile_sorted(t, 0.99);
    p.min_s = t.front();
    p.mean_s = std::accumulate(t.begin(), t.end(), 0.0) / double(t.size());
    if (p.time_s > 0) {
        p.algbw = double(bytes) / p.time_s;
        p.busbw = p.algbw * bus_factor(c, ranks);
    }
    return p;
}

namespace {

// Weighted least squares of t = a + b x with weights w; returns false when degenerate.
bool weighted_line(const std::vector<double>& x, const std::vector<double>& t,
                   const std::vector<double>& w, double& a, double& b) {
    double sw = 0, sx = 0, st = 0, sxx = 0, sxt = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sw += w[i];
        sx += w[i] * x[i];
        st += w[i] * t[i];
        sxx += w[i] * x[i] * x[i];
        sxt += w[i] * x[i] * t[i];
    }
    const double det = sw * sxx - sx * sx;
    if (!(sw > 0) || !(std::fabs(det) > 0)) return false;
    b = (sw * sxt - sx * st) / det;
    a = (st - b * sx) / sw;
    return true;
}

}  // namespace

namespace {

// One non-negative alpha-beta line over x[lo, hi), weights 1/t.
void fit_line(const std::vector<double>& x, const std::vector<double>& t, std::size_t lo,
              std::size_t hi, double& a, double& b) {
    std::vector<double> xs(x.begin() + long(lo), x.begin() + long(hi)),
        ts(t.begin() + long(lo), t.begin() + long(hi)), w;
    for (double v : ts) w.push_back(1.0 / v);
    if (xs.size() < 2 || !weighted_line(xs, ts, w, a, b)) {
        a = 0;
        b = ts[0] / xs[0];
    }
    // Negative latency or bandwidth cost is noise, not physics: refit with it pinned at zero.
    if (a < 0) {
        double num = 0, den = 0;  // weighted least squares through the origin
        for (std::size_t i = 0; i < xs.size(); ++i) {
            num += w[i] * xs[i] * ts[i];
            den += w[i] * xs[i] * xs[i];
        }
        a = 0;
        b = den > 0 ? num / den : 0;
    }
    if (b < 0) {
        double num = 0, den = 0;
        for (std::size_t i = 0; i < xs.size(); ++i) {
            num += w[i] * ts[i];
            den += w[i];
        }
        b = 0;
        a = num / den;
    }
}

// Sum of squared relative errors of the line fitted over [lo, hi).
double segment_cost(const std::vector<double>& x, const std::vector<double>& t, std::size_t lo,
                    std::size_t hi) {
    double a = 0, b = 0, c = 0;
    fit_line(x, t, lo, hi, a, b);
    for (std::size_t i = lo; i < hi; ++i) c += std::pow((a + b * x[i]) / t[i] - 1, 2);
    return c;
}

}  // namespace

AlphaBeta fit_alpha_beta(const std::vector<SizePoint>& points, int max_segments) {
    AlphaBeta f;
    std::vector<SizePoint> pts;
    for (const auto& p : points)
        if (p.time_s > 0 && p.bytes > 0) pts.push_back(p);
    std::sort(pts.begin(), pts.end(),
              [](const SizePoint& a, const SizePoint& b) { return a.bytes < b.bytes; });
    std::vector<double> x, t;
    for (const auto& p : pts) {
        x.push_back(double(p.bytes));
        t.push_back(p.p20_s > 0 ? p.p20_s : p.time_s);
    }
    const std::size_t n = x.size();
    f.points = int(n);
    if (n == 0) return f;

    // Best split into k contiguous segments of at least kMin sizes each, by dynamic programming
    // over the end of the last segment; k chosen by BIC (two parameters per segment).
    constexpr std::size_t kMin = 3;
    const std::size_t kmax = std::max<std::size_t>(
        1, std::min<std::size_t>(std::size_t(std::max(1, max_segments)), n / kMin));
    const double inf = std::numeric_limits<double>::infinity();
    // best[k][j]: cost of the first j sizes in k segments; from[k][j]: where the last one starts.
    std::vector<std::vector<double>> best(kmax + 1, std::vector<double>(n + 1, inf));
    std::vector<std::vector<std::size_t>> from(kmax + 1, std::vector<std::size_t>(n + 1, 0));
    best[0][0] = 0;
    for (std::size_t k = 1; k <= kmax; ++k)
        for (std::size_t j = k * kMin; j <= n; ++j)
            for (std::size_t i = (k - 1) * kMin; i + kMin <= j; ++i) {
                if (!std::isfinite(best[k - 1][i]) || (k == 1 && i != 0)) continue;
                const double c = best[k - 1][i] + segment_cost(x, t, i, j);
                if (c < best[k][j]) {
                    best[k][j] = c;
                    from[k][j] = i;
                }
            }
    if (n < kMin) {  // too few sizes for the minimum: one line over all of them
        best[1][n] = segment_cost(x, t, 0, n);
        from[1][n] = 0;
    }
    std::size_t chosen = 1;
    double chosen_bic = inf;
    for (std::size_t k = 1; k <= kmax; ++k) {
        if (!std::isfinite(best[k][n])) continue;
        const double bic = double(n) * std::log(std::max(best[k][n] / double(n), 1e-12)) +
                           2.0 * double(k) * std::log(double(n));
        if (bic < chosen_bic - 1e-9) {
            chosen_bic = bic;
            chosen = k;
        }
    }
    std::vector<std::size_t> starts;
    for (std::size_t k = chosen, j = n; k >= 1; --k) {
        starts.push_back(from[k][j]);
        j = from[k][j];
    }
    std::reverse(starts.begin(), starts.end());
    std::vector<double> pred(n, 0);
    for (std::size_t s = 0; s < starts.size(); ++s) {
        const std::size_t lo = starts[s], hi = s + 1 < starts.size() ? starts[s + 1] : n;
        AlphaBetaSegment seg;
        fit_line(x, t, lo, hi, seg.alpha_s, seg.beta_s_per_byte);
        seg.min_bytes = pts[lo].bytes;
        seg.max_bytes = pts[hi - 1].bytes;
        for (std::size_t i = lo; i < hi; ++i) pred[i] = seg.seconds(x[i]);
        f.segments.push_back(seg);
    }
    f.alpha_s = f.segments.back().alpha_s;
    f.beta_s_per_byte = f.segments.back().beta_s_per_byte;

    const double mean = std::accumulate(t.begin(), t.end(), 0.0) / double(n);
    double ss_res = 0, ss_tot = 0, ss_line = 0, rel = 0, a = 0, b = 0;
    fit_line(x, t, 0, n, a, b);
    for (std::size_t i = 0; i < n; ++i) {
        ss_res += (t[i] - pred[i]) * (t[i] - pred[i]);
        ss_line += (t[i] - a - b * x[i]) * (t[i] - a - b * x[i]);
        ss_tot += (t[i] - mean) * (t[i] - mean);
        rel += (pred[i] / t[i] - 1) * (pred[i] / t[i] - 1);
    }
    f.r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 0.0;
    f.line_r2 = ss_tot > 0 ? 1.0 - ss_line / ss_tot : 0.0;
    f.rms_rel_error = std::sqrt(rel / double(n));
    return f;
}

nlohmann::ordered_json segments_to_json(const std::vector<AlphaBetaSegment>& segments) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& g : segments)
        a.push_back({{"min_bytes", g.min_bytes},
                     {"max_bytes", g.max_bytes},
                     {"alpha_s", g.alpha_s},
                     {"beta_s_per_byte", g.beta_s_per_byte}});
    return a;
}

nlohmann::ordered_json series_to_json(const Series& s) {
    nlohmann::ordered_json pts = nlohmann::ordered_json::array();
    for (const auto& p : s.points)
        pts.push_back({{"bytes", p.bytes},
                       {"iterations", p.iterations},
                       {"time_s", p.time_s},
                       {"p20_s", p.p20_s},
                       {"p99_s", p.p99_s},
                       {"min_s", p.min_s},
                       {"mean_s", p.mean_s},
                       {"algbw_bytes_per_s", p.algbw},
                       {"busbw_bytes_per_s", p.busbw},
                       {"checked", p.checked}});
    return {{"collective", collective_name(s.collective)},
            {"in_place", s.in_place},
            {"ranks", s.ranks},
            {"tier", s.tier},
            {"nodes", s.nodes},
            {"world_ranks", s.world_ranks},
            {"backend", s.backend},
            {"bus_factor", bus_factor(s.collective, s.ranks)},
            {"fit",
             {{"alpha_s", s.fit.alpha_s},
              {"beta_s_per_byte", s.fit.beta_s_per_byte},
              {"r2", s.fit.r2},
              {"rms_rel_error", s.fit.rms_rel_error},
              {"line_r2", s.fit.line_r2},
              {"points", s.fit.points},
              {"segments", segments_to_json(s.fit.segments)}}},
            {"sizes", pts}};
}

}  // namespace flopmeter::comm
