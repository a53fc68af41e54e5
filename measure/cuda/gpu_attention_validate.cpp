#include "measure/cuda/gpu_attention_validate.hpp"

#include "kernels/attention/attention_reference.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace flopmeter {

namespace {

// The GPU problem as the CPU oracle's shape (value dim = head dim, bottom-right causal mask).
flops::AttentionShape reference_shape(const GpuAttentionProblem& p) {
    return {p.batch, p.heads, p.kv_heads, p.seq_q, p.seq_k, p.head_dim, p.head_dim, p.causal};
}

struct Idx {
    const GpuAttentionProblem& p;
    std::int64_t q(std::int64_t b, std::int64_t s, std::int64_t h) const {
        return ((b * p.seq_q + s) * p.heads + h) * p.head_dim;
    }
    std::int64_t kv(std::int64_t b, std::int64_t s, std::int64_t g) const {
        return ((b * p.seq_k + s) * p.kv_heads + g) * p.head_dim;
    }
    std::int64_t lse(std::int64_t b, std::int64_t h, std::int64_t s) const {
        return (b * p.heads + h) * p.seq_q + s;
    }
};

double u_of(GpuStorage t) {
    return gpu_storage_unit_roundoff(t);
}

bool all_finite(const float* x, std::int64_t n, std::string* where, const char* name) {
    for (std::int64_t i = 0; i < n; ++i)
        if (!std::isfinite(x[i])) {
            *where = std::string(name) + "[" + std::to_string(i) +
                     "] is not finite (unwritten or overflowed)";
            return false;
        }
    return true;
}

// Rows (a, s, c) to check: all when few, else the first and last of a few, plus random ones.
std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> pick(
    std::int64_t na, std::int64_t ns, std::int64_t nc, std::int64_t budget, std::uint64_t seed) {
    std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> v;
    if (double(na) * double(ns) * double(nc) <= double(budget)) {
        for (std::int64_t a = 0; a < na; ++a)
            for (std::int64_t s = 0; s < ns; ++s)
                for (std::int64_t c = 0; c < nc; ++c) v.emplace_back(a, s, c);
        return v;
    }
    for (std::int64_t a : {std::int64_t(0), na - 1})
        for (std::int64_t c : {std::int64_t(0), nc - 1})
            for (std::int64_t s :
                 {std::int64_t(0), std::int64_t(1) % ns, ns / 2, ns - 2 >= 0 ? ns - 2 : 0, ns - 1})
                v.emplace_back(a, s, c);
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::int64_t> da(0, na - 1), ds(0, ns - 1), dc(0, nc - 1);
    for (std::int64_t i = 0; i < budget; ++i) v.emplace_back(da(rng), ds(rng), dc(rng));
    return v;
}

struct Checker {
    ValidationReport r;
    Checker() { r.passed = true; }
    void check(double got, double ref, double bound, const std::string& what) {
        const double err = std::fabs(got - ref), ratio = err / bound;
        ++r.checked;
        if (ratio > r.max_error_ratio) r.max_error_ratio = ratio;
        if (!(ratio <= 1.0) && r.passed) {
            r.passed = false;
            char buf[256];
            std::snprintf(buf, sizeof buf, "%s = %.7g, expected %.7g (error %.3g > bound %.3g)",
                          what.c_str(), got, ref, err, bound);
            r.detail = buf;
        }
    }
    ValidationReport done(const char* what) {
        if (r.passed) {
            char buf[160];
            std::snprintf(buf, sizeof buf,
                          "%lld %s values checked against the fp64 host reference, max error %.3g "
                          "of the bound",
                          static_cast<long long>(r.checked), what, r.max_error_ratio);
            r.detail = buf;
        }
        return r;
    }
};

}  // namespace

ValidationReport validate_gpu_attention_fwd(const GpuAttentionProblem& p, const float* q,
                                            const float* k, const float* v, const float* o,
                                            const float* lse) {
    const Idx ix{p};
    std::string where;
    if (!all_finite(o, attn_q_elems(p), &where, "O") ||
        !all_finite(lse, attn_lse_elems(p), &where, "LSE")) {
        ValidationReport r;
        r.detail = where;
        r.max_error_ratio = INFINITY;
        return r;
    }
    const double scale = 1.0 / std::sqrt(double(p.head_dim)), u_out = u_of(p.dtype),
                 u_p = u_of(p.dtype);
    const std::int64_t D = p.head_dim;
    const flops::AttentionShape a = reference_shape(p);
    Checker c;
    const auto nk = static_cast<std::size_t>(p.seq_k), nd = static_cast<std::size_t>(D);
    std::vector<double> e(nk), ref(nd);
    for (const auto& [b, qi, h] : pick(p.batch, p.seq_q, p.heads, 512, 7)) {
        // The CPU oracle's row: e_j = exp(s_j - m) over the visible keys, l = sum e_j.
        double lse_ref = 0, l = 0;
        attention_reference_fwd_row<float, double, double>(a, scale, q, k, v, b, h, qi, e.data(),
                                                           ref.data(), &lse_ref, &l);
        const std::int64_t g = attn_kv_head(a, h),
                           kend = flops::attention_visible_keys(qi, p.seq_q, p.seq_k, p.causal);
        const std::string at =
            "[b" + std::to_string(b) + " q" + std::to_string(qi) + " h" + std::to_string(h) + "]";
        for (std::int64_t d = 0; d < D; ++d) {
            // P is rounded to the input type before P*V: the bound grows with sum_j p_j |v_jd|.
            double mag = 0;
            for (std::int64_t j = 0; j < kend; ++j)
                mag += e[std::size_t(j)] * std::fabs(double(v[ix.kv(b, j, g) + d]));
            const double bound = 1.01 * u_out * std::fabs(ref[std::size_t(d)]) +
                                 2.0 * u_p * (l > 0 ? mag / l : 0.0) + 1e-6;
            c.check(o[ix.q(b, qi, h) + d], ref[std::size_t(d)], bound,
                    "O" + at + "[" + std::to_string(d) + "]");
        }
        c.check(lse[ix.lse(b, h, qi)], lse_ref, 1e-4 * (1.0 + std::fabs(lse_ref)), "LSE" + at);
    }
    return c.done("O/LSE");
}

ValidationReport validate_gpu_attention_bwd(const GpuAttentionProblem& p, const float* q,
                                            const float* k, const float* v, const float* o,
                                            const float* d_o, const float* lse, const float* dq,
                                            const float* dk, const float* dv) {
    const Idx ix{p};
    std::string where;
    if (!all_finite(dq, attn_q_elems(p), &where, "dQ") ||
        !all_finite(dk, attn_kv_elems(p), &where, "dK") ||
        !all_finite(dv, attn_kv_elems(p), &where, "dV")) {
        ValidationReport r;
        r.detail = where;
        r.max_error_ratio = INFINITY;
        return r;
    }
    const double scale = 1.0 / std::sqrt(double(p.head_dim)), u_out = u_of(p.dtype),
                 u_p = u_of(p.dtype);
    const std::int64_t D = p.head_dim;
    const flops::AttentionShape a = reference_shape(p);
    Checker c;
    const auto nk = static_cast<std::size_t>(p.seq_k), nd = static_cast<std::size_t>(D);
    std::vector<double> e(nk), dpv(nk), ref(nd), mag(nd), ref2(nd), mag2(nd);
    auto bound = [&](double r, double m) {
        return 1.01 * u_out * std::fabs(r) + 4.0 * u_p * m + 1e-6;
    };

    // dQ rows from the CPU oracle's own forward row.
    for (const auto& [b, qi, h] : pick(p.batch, p.seq_q, p.heads, 256, 11)) {
        attention_reference_bwd_q_row<float, float>(a, scale, q, k, v, d_o, b, h, qi, e.data(),
                                                    dpv.data(), ref.data(), mag.data());
        const std::string at =
            "[b" + std::to_string(b) + " q" + std::to_string(qi) + " h" + std::to_string(h) + "]";
        for (std::int64_t d = 0; d < D; ++d)
            c.check(dq[ix.q(b, qi, h) + d], ref[std::size_t(d)],
                    bound(ref[std::size_t(d)], mag[std::size_t(d)]),
                    "dQ" + at + "[" + std::to_string(d) + "]");
    }

    // dK, dV rows: the oracle's sum over the group's heads and the queries that see the key.
    for (const auto& [b, kj, g] : pick(p.batch, p.seq_k, p.kv_heads, 24, 13)) {
        attention_reference_bwd_kv_row<float, float>(a, scale, q, k, v, o, d_o, lse, b, g, kj,
                                                     ref2.data(), ref.data(), mag2.data(),
                                                     mag.data());
        const std::string at =
            "[b" + std::to_string(b) + " k" + std::to_string(kj) + " g" + std::to_string(g) + "]";
        for (std::int64_t d = 0; d < D; ++d) {
            c.check(dv[ix.kv(b, kj, g) + d], ref[std::size_t(d)],
                    bound(ref[std::size_t(d)], mag[std::size_t(d)]),
                    "dV" + at + "[" + std::to_string(d) + "]");
            c.check(dk[ix.kv(b, kj, g) + d], ref2[std::size_t(d)],
                    bound(ref2[std::size_t(d)], mag2[std::size_t(d)]),
                    "dK" + at + "[" + std::to_string(d) + "]");
        }
    }
    return c.done("dQ/dK/dV");
}

}  // namespace flopmeter
