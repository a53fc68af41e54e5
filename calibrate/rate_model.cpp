#include "calibrate/rate_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"

namespace flopmeter {

namespace {

// Solves the weighted least-squares problem min sum_i ((x_i . c - t_i) / t_i)^2 restricted to
// the features in `use` (others fixed at 0) by normal equations with Gaussian elimination.
// Returns false when singular.
bool solve_subset(const std::vector<FitSample>& s, const std::vector<int>& use,
                  std::vector<double>& coef) {
    const std::size_t k = use.size();
    std::vector<double> a(k * k, 0.0), b(k, 0.0);
    for (const auto& x : s) {
        const double w = 1.0 / (x.seconds * x.seconds);
        for (std::size_t i = 0; i < k; ++i) {
            b[i] += w * x.features[std::size_t(use[i])] * x.seconds;
            for (std::size_t j = 0; j < k; ++j)
                a[i * k + j] +=
                    w * x.features[std::size_t(use[i])] * x.features[std::size_t(use[j])];
        }
    }
    // Scale columns so features of very different magnitude (1 vs 1e12 FLOPs) stay well
    // conditioned.
    std::vector<double> scale(k, 1.0);
    for (std::size_t i = 0; i < k; ++i)
        scale[i] = a[i * k + i] > 0 ? 1.0 / std::sqrt(a[i * k + i]) : 1.0;
    for (std::size_t i = 0; i < k; ++i) {
        b[i] *= scale[i];
        for (std::size_t j = 0; j < k; ++j) a[i * k + j] *= scale[i] * scale[j];
    }
    for (std::size_t col = 0; col < k; ++col) {
        std::size_t piv = col;
        for (std::size_t r = col + 1; r < k; ++r)
            if (std::fabs(a[r * k + col]) > std::fabs(a[piv * k + col])) piv = r;
        if (std::fabs(a[piv * k + col]) < 1e-12) return false;
        if (piv != col) {
            for (std::size_t j = 0; j < k; ++j) std::swap(a[col * k + j], a[piv * k + j]);
            std::swap(b[col], b[piv]);
        }
        for (std::size_t r = 0; r < k; ++r) {
            if (r == col) continue;
            const double f = a[r * k + col] / a[col * k + col];
            for (std::size_t j = col; j < k; ++j) a[r * k + j] -= f * a[col * k + j];
            b[r] -= f * b[col];
        }
    }
    coef.assign(s.front().features.size(), 0.0);
    for (std::size_t i = 0; i < k; ++i) coef[std::size_t(use[i])] = b[i] / a[i * k + i] * scale[i];
    return true;
}

double rms_rel_error(const std::vector<FitSample>& s, const std::vector<double>& c) {
    double e = 0;
    for (const auto& x : s) {
        double t = 0;
        for (std::size_t i = 0; i < c.size(); ++i) t += c[i] * x.features[i];
        e += (t - x.seconds) * (t - x.seconds) / (x.seconds * x.seconds);
    }
    return std::sqrt(e / double(s.size()));
}

double linear(const std::vector<double>& c, const std::vector<double>& f) {
    double t = 0;
    for (std::size_t i = 0; i < c.size() && i < f.size(); ++i) t += c[i] * f[i];
    return t;
}

}  // namespace

OpRateModel fit_op_model(const std::string& key, const std::vector<std::string>& names,
                         const std::vector<FitSample>& samples, double ceiling) {
    const std::size_t nf = names.size();
    if (samples.size() < nf)
        throw UsageError("rate model '" + key + "': too few measurements to fit");
    for (const auto& s : samples)
        if (!(s.seconds > 0) || s.features.size() != nf)
            throw UsageError("rate model '" + key + "': invalid measurement " + s.name);
    // Non-negative least squares by exhaustive subsets (nf <= 5): the best fit whose
    // coefficients are all >= 0. Exact for these sizes and free of iteration tolerances.
    OpRateModel m;
    m.key = key;
    m.features = names;
    double best = std::numeric_limits<double>::infinity();
    for (unsigned mask = 1; mask < (1u << nf); ++mask) {
        std::vector<int> use;
        for (std::size_t i = 0; i < nf; ++i)
            if (mask & (1u << i)) use.push_back(int(i));
        std::vector<double> c;
        if (!solve_subset(samples, use, c)) continue;
        if (std::any_of(c.begin(), c.end(), [](double x) { return x < 0; })) continue;
        const double e = rms_rel_error(samples, c);
        if (e < best) {
            best = e;
            m.coef = c;
        }
    }
    if (m.coef.empty()) throw UsageError("rate model '" + key + "': no non-negative fit exists");
    m.fit_rms_rel_error = best;
    m.ceiling_flops_per_s = ceiling;
    const std::size_t nc = samples.front().coords.size();
    m.lo.assign(nc, std::numeric_limits<double>::infinity());
    m.hi.assign(nc, -std::numeric_limits<double>::infinity());
    for (const auto& s : samples) {
        m.point_coords.push_back(s.coords);
        m.point_log_residual.push_back(
            std::log(s.seconds / std::max(linear(m.coef, s.features), 1e-30)));
        for (std::size_t i = 0; i < nc; ++i) {
            m.lo[i] = std::min(m.lo[i], s.coords[i]);
            m.hi[i] = std::max(m.hi[i], s.coords[i]);
        }
    }
    return m;
}

OpRateModel::Result OpRateModel::predict(const std::vector<double>& coords,
                                         const std::vector<double>& f, double flops) const {
    Result r;
    double t = std::max(linear(coef, f), 1e-30);
    for (std::size_t i = 0; i < coords.size() && i < lo.size(); ++i)
        if (coords[i] < lo[i] - margin || coords[i] > hi[i] + margin) r.extrapolated = true;
    if (!r.extrapolated && !point_coords.empty()) {
        std::vector<std::pair<double, int>> d;
        for (std::size_t p = 0; p < point_coords.size(); ++p) {
            double s = 0;
            for (std::size_t i = 0; i < coords.size() && i < point_coords[p].size(); ++i)
                s += (coords[i] - point_coords[p][i]) * (coords[i] - point_coords[p][i]);
            d.emplace_back(s, int(p));
        }
        const std::size_t k = std::min<std::size_t>(std::size_t(std::max(1, neighbours)), d.size());
        std::partial_sort(d.begin(), d.begin() + std::ptrdiff_t(k), d.end());
        double wsum = 0, acc = 0;
        for (std::size_t i = 0; i < k; ++i) {
            r.nearest.push_back(d[i].second);
            if (d[i].first < 1e-12) {  // an exact measured shape: its own correction
                wsum = 1;
                acc = point_log_residual[std::size_t(d[i].second)];
                r.nearest = {d[i].second};
                break;
            }
            const double w = 1.0 / d[i].first;
            wsum += w;
            acc += w * point_log_residual[std::size_t(d[i].second)];
        }
        if (wsum > 0) t *= std::exp(acc / wsum);
    }
    if (ceiling_flops_per_s > 0 && flops > 0 && t < flops / ceiling_flops_per_s) {
        t = flops / ceiling_flops_per_s;
        r.ceiling_bound = true;
    }
    r.seconds = t;
    return r;
}

double OpRateModel::leave_one_out_error(std::size_t i) const {
    if (i >= point_coords.size() || point_coords.size() < 2) return 0.0;
    std::vector<std::pair<double, std::size_t>> d;
    for (std::size_t p = 0; p < point_coords.size(); ++p) {
        if (p == i) continue;
        double s = 0;
        for (std::size_t c = 0; c < point_coords[i].size() && c < point_coords[p].size(); ++c)
            s += (point_coords[i][c] - point_coords[p][c]) *
                 (point_coords[i][c] - point_coords[p][c]);
        d.emplace_back(s, p);
    }
    const std::size_t k = std::min<std::size_t>(std::size_t(std::max(1, neighbours)), d.size());
    std::partial_sort(d.begin(), d.begin() + std::ptrdiff_t(k), d.end());
    double wsum = 0, acc = 0;
    for (std::size_t j = 0; j < k; ++j) {
        const double w = 1.0 / std::max(d[j].first, 1e-12);
        wsum += w;
        acc += w * point_log_residual[d[j].second];
    }
    return std::exp(acc / wsum - point_log_residual[i]) - 1.0;
}

const OpRateModel* RateModel::find(const std::string& key) const {
    for (const auto& m : ops)
        if (m.key == key) return &m;
    return nullptr;
}

nlohmann::ordered_json rate_model_to_json(const RateModel& rm) {
    nlohmann::ordered_json ops = nlohmann::ordered_json::array();
    for (const auto& m : rm.ops) {
        ops.push_back({{"key", m.key},
                       {"features", m.features},
                       {"coefficients", m.coef},
                       {"fit_rms_rel_error", m.fit_rms_rel_error},
                       {"ceiling_flops_per_s", m.ceiling_flops_per_s},
                       {"margin_log2", m.margin},
                       {"neighbours", m.neighbours},
                       {"range_lo_log2", m.lo},
                       {"range_hi_log2", m.hi},
                       {"points_log2", m.point_coords},
                       {"points_log_residual", m.point_log_residual}});
        if (m.tiling.known())
            ops.back()["tiling"] = {{"mr", m.tiling.mr},
                                    {"nr", m.tiling.nr},
                                    {"k_pack", m.tiling.k_pack},
                                    {"threads", m.tiling.threads},
                                    {"kernel", m.tiling.kernel}};
    }
    return {{"kind", "linear+idw-correction"},
            {"rule",
             "t = max(flops / ceiling, (c . features) * exp(idw of log residuals of the nearest "
             "measured "
             "shapes)); beyond the measured range by more than margin_log2 in any coordinate, the "
             "correction is dropped"},
            {"ops", ops}};
}

RateModel rate_model_from_json(const nlohmann::ordered_json& j) {
    RateModel rm;
    for (const auto& o : j.at("ops")) {
        OpRateModel m;
        m.key = o.at("key").get<std::string>();
        m.features = o.at("features").get<std::vector<std::string>>();
        m.coef = o.at("coefficients").get<std::vector<double>>();
        m.fit_rms_rel_error = o.value("fit_rms_rel_error", 0.0);
        m.ceiling_flops_per_s = o.value("ceiling_flops_per_s", 0.0);
        m.margin = o.value("margin_log2", 1.0);
        m.neighbours = o.value("neighbours", 4);
        m.lo = o.at("range_lo_log2").get<std::vector<double>>();
        m.hi = o.at("range_hi_log2").get<std::vector<double>>();
        m.point_coords = o.at("points_log2").get<std::vector<std::vector<double>>>();
        m.point_log_residual = o.at("points_log_residual").get<std::vector<double>>();
        if (o.contains("tiling")) {
            const auto& t = o.at("tiling");
            m.tiling.mr = t.at("mr").get<int>();
            m.tiling.nr = t.at("nr").get<int>();
            m.tiling.k_pack = t.at("k_pack").get<int>();
            m.tiling.threads = t.at("threads").get<int>();
            m.tiling.kernel = t.value("kernel", "");
            if (m.tiling.mr < 1 || m.tiling.nr < 1 || m.tiling.k_pack < 1 || m.tiling.threads < 1)
                throw UsageError("rate model '" + m.key + "': tiling sizes must be positive");
        }
        const bool padded =
            std::find(m.features.begin(), m.features.end(), "padded_flops") != m.features.end();
        if (padded && !m.tiling.known())
            throw UsageError("rate model '" + m.key + "' has a padded_flops feature but no tiling");
        if (m.coef.size() != m.features.size() ||
            m.point_coords.size() != m.point_log_residual.size())
            throw UsageError("rate model '" + m.key +
                             "' is inconsistent (feature or point counts differ)");
        rm.ops.push_back(std::move(m));
    }
    return rm;
}

}  // namespace flopmeter
