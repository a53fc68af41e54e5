#include "calibrate/fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "calibrate/low_quantile.hpp"
#include "calibrate/profile_predictor.hpp"
#include "core/error.hpp"
#include "core/flops.hpp"
#include "measure/stats.hpp"

namespace flopmeter {

namespace {

// `alias`: the same dimension or parameter under the attention cases' short names (CPU:
// b, h, g, sq, sk, d, dv; GPU, measure/cuda/: kv_h for g, and param "direction" for "pass").
std::int64_t dim(const CaseResult& r, const std::string& name, const std::string& alias = "") {
    for (const auto& [k, v] : r.dims)
        if (k == name || (!alias.empty() && k == alias)) return v;
    return 0;
}

std::string param(const CaseResult& r, const std::string& name, const std::string& alias = "") {
    for (const auto& [k, v] : r.params)
        if (k == name || (!alias.empty() && k == alias)) return v;
    return "";
}

bool is_held_out(const CaseResult& r) {
    return param(r, "calibration_role") == "held_out";
}

MemOpKind memop_kind(const std::string& kind) {
    if (kind == "rmsnorm") return MemOpKind::norm;
    if (kind == "softmax") return MemOpKind::softmax;
    if (kind == "adamw") return MemOpKind::optimizer;
    return MemOpKind::elementwise;
}

}  // namespace

bool case_fit_point(const CaseResult& r, CaseFitPoint& out) {
    if (r.status != CaseStatus::ok || !(r.seconds() > 0)) return false;
    out.dtype = r.dtype;
    if (r.op == "gemm") {
        const auto d = parse_dtype(r.dtype);
        const auto l = parse_layout(param(r, "layout"));
        if (!d || !l) return false;
        const std::int64_t m = dim(r, "m"), n = dim(r, "n"), k = dim(r, "k");
        out.key = gemm_model_key(r.backend, *d, *l);
        out.coords = gemm_coords(m, n, k);
        out.tiling = gemm_tiling_of(r.backend, *d, r.threads);
        out.features = gemm_features(out.tiling, m, n, k, *d);
        out.flops = flops::gemm_model_flops(m, n, k);
        return true;
    }
    if (r.op == "attention") {
        const auto d = parse_dtype(r.dtype);
        if (!d) return false;
        AttentionQuery q;
        q.batch = dim(r, "batch", "b");
        q.heads = dim(r, "heads", "h");
        q.kv_heads = dim(r, "kv_heads", "kv_h");
        if (q.kv_heads <= 0) q.kv_heads = dim(r, "g");  // the CPU attention cases' name
        q.seq_q = dim(r, "seq_q", "sq");
        q.seq_k = dim(r, "seq_k", "sk");
        q.head_dim = dim(r, "head_dim", "d");
        q.value_dim = dim(r, "value_dim", "dv");
        q.causal = param(r, "causal") == "true";
        q.backward = param(r, "pass", "direction") == "bwd";
        q.dtype = *d;
        if (q.batch <= 0 || q.heads <= 0 || q.seq_q <= 0 || q.seq_k <= 0 || q.head_dim <= 0)
            return false;
        if (q.kv_heads <= 0) q.kv_heads = q.heads;
        if (q.value_dim <= 0) q.value_dim = q.head_dim;
        out.key = attention_model_key(r.backend, *d, q.backward, q.causal);
        out.coords = attention_coords(q);
        out.features = attention_features(q);
        out.flops = out.features[1];
        return true;
    }
    if (r.op == "memory") {
        out.key = memory_model_key(memop_kind(param(r, "kind")));
        out.coords = memory_coords(r.bytes);
        out.features = memory_features(r.bytes);
        out.flops = 0;
        return true;
    }
    return false;
}

void fit_profile(DeviceProfile& p) {
    std::map<std::string, std::vector<FitSample>> groups;
    std::map<std::string, std::string> key_dtype;
    std::map<std::string, GemmTiling> key_tiling;
    for (const auto& r : p.measurements) {
        if (is_held_out(r)) continue;
        CaseFitPoint f;
        if (!case_fit_point(r, f)) continue;
        groups[f.key].push_back({f.coords, f.features, fit_seconds(r), f.flops, r.name});
        key_dtype[f.key] = f.dtype;
        key_tiling[f.key] = f.tiling;
    }
    p.rate_model.ops.clear();
    for (const auto& [key, samples] : groups) {
        const std::string op = key.substr(0, key.find('/'));
        const auto names = op == "gemm"        ? gemm_feature_names(key_tiling[key])
                           : op == "attention" ? attention_feature_names()
                                               : memory_feature_names();
        if (samples.size() < names.size() + 1) {
            p.warnings.push_back("rate model '" + key + "' not fitted: only " +
                                 std::to_string(samples.size()) + " measurements");
            continue;
        }
        const double ceiling = op == "memory" ? 0.0 : p.ceiling(key_dtype[key]);
        p.rate_model.ops.push_back(fit_op_model(key, names, samples, ceiling));
        if (op == "gemm") p.rate_model.ops.back().tiling = key_tiling[key];
    }

    p.held_out.clear();
    p.held_out_summary.clear();
    std::map<std::string, std::vector<double>> errors;
    for (const auto& r : p.measurements) {
        if (!is_held_out(r)) continue;
        CaseFitPoint f;
        if (!case_fit_point(r, f)) continue;
        const OpRateModel* m = p.rate_model.find(f.key);
        if (!m) continue;
        const double pred = m->predict(f.coords, f.features, f.flops).seconds;
        HeldOutPoint h{r.name, r.op, fit_seconds(r), pred};
        p.held_out.push_back(h);
        errors[r.op].push_back(std::fabs(h.rel_error()));
    }
    for (auto& [op, e] : errors) {
        std::sort(e.begin(), e.end());
        p.held_out_summary.push_back(
            {op, int(e.size()), quantile_sorted(e, 0.5), quantile_sorted(e, 0.9)});
    }
}

std::vector<double> fit_point_errors(const DeviceProfile& p) {
    std::vector<double> out(p.measurements.size(), 0.0);
    std::map<std::string, std::size_t> next;  // fitted points per key, in measurement order
    for (std::size_t i = 0; i < p.measurements.size(); ++i) {
        const CaseResult& r = p.measurements[i];
        if (is_held_out(r)) continue;
        CaseFitPoint f;
        if (!case_fit_point(r, f)) continue;
        const std::size_t j = next[f.key]++;
        if (const OpRateModel* m = p.rate_model.find(f.key); m && j < m->point_coords.size())
            out[i] = m->leave_one_out_error(j);
    }
    return out;
}

}  // namespace flopmeter
