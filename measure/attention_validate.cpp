#include "measure/attention_validate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "core/bf16.hpp"
#include "kernels/attention/attention_reference.hpp"

namespace flopmeter {

double attention_tolerance_factor() {
    return 16.0 * std::ldexp(1.0, -24);
}

namespace {

using flops::AttentionShape;

// Everything is checked when a full reference costs at most this many multiply-adds.
constexpr double kFullCheckWork = 3.0e7;

// Indices of [0, n) to check: all when few, else the first and last `edge`, `spread` points
// spread through the range with their neighbours (tile edges fall among them), and random ones.
std::vector<std::int64_t> pick(std::int64_t n, bool all, std::mt19937_64& rng, int edge = 6,
                               int spread = 12, int random = 16) {
    std::vector<std::int64_t> v;
    if (all || n <= 2 * edge + 3 * spread + random) {
        for (std::int64_t i = 0; i < n; ++i) v.push_back(i);
        return v;
    }
    for (std::int64_t i = 0; i < edge; ++i) {
        v.push_back(i);
        v.push_back(n - 1 - i);
    }
    for (int t = 0; t < spread; ++t) {
        const std::int64_t c = 1 + t * (n - 3) / (spread - 1);
        for (std::int64_t d : {c - 1, c, c + 1}) v.push_back(d);
    }
    std::uniform_int_distribution<std::int64_t> d(0, n - 1);
    for (int t = 0; t < random; ++t) v.push_back(d(rng));
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

// Heads to check: all when small, else the first, the last and one in the middle.
std::vector<std::pair<std::int64_t, std::int64_t>> pick_heads(std::int64_t batch,
                                                              std::int64_t heads, bool all) {
    std::vector<std::pair<std::int64_t, std::int64_t>> v;
    if (all || batch * heads <= 3) {
        for (std::int64_t b = 0; b < batch; ++b)
            for (std::int64_t h = 0; h < heads; ++h) v.emplace_back(b, h);
        return v;
    }
    v = {{0, 0}, {batch / 2, heads / 2}, {batch - 1, heads - 1}};
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

struct Checker {
    ValidationReport r;
    Checker() { r.passed = true; }
    void check(double got, double ref, double bound, const char* what, std::int64_t b,
               std::int64_t s, std::int64_t h, std::int64_t x) {
        const double err = std::fabs(got - ref);
        double ratio;
        if (std::isinf(ref) && got == ref)
            ratio = 0.0;  // LSE of a row that sees no key
        else
            ratio = std::isfinite(got) ? err / (bound + 1e-300) : INFINITY;
        ++r.checked;
        if (ratio > r.max_error_ratio) r.max_error_ratio = ratio;
        if (!(ratio <= 1.0) && r.passed) {
            r.passed = false;
            char buf[320];
            std::snprintf(
                buf, sizeof buf,
                "%s[b=%lld][s=%lld][h=%lld][%lld] = %.9g, expected %.9g (error %.3g > bound %.3g)",
                what, static_cast<long long>(b), static_cast<long long>(s),
                static_cast<long long>(h), static_cast<long long>(x), got, ref, err, bound);
            r.detail = buf;
        }
    }
    // Adds a later part's checks: the first failure stays the reported one.
    void merge(const Checker& o) {
        r.checked += o.r.checked;
        r.max_error_ratio = std::max(r.max_error_ratio, o.r.max_error_ratio);
        if (!o.r.passed && r.passed) {
            r.passed = false;
            r.detail = o.r.detail;
        }
    }
    ValidationReport done() {
        if (r.passed) {
            char buf[128];
            std::snprintf(buf, sizeof buf, "%lld values checked, max error %.3g of the bound",
                          static_cast<long long>(r.checked), r.max_error_ratio);
            r.detail = buf;
        }
        return r;
    }
};

// Runs body(item, checker) over the items on this machine's cores, in contiguous chunks, each
// chunk with its own Checker; merged in chunk order, so the failure reported is the first
// item's, as a serial loop would report it. The oracle is not timed; a big case's sampled check
// is a few hundred million multiply-adds, and the calibration validates ~60 attention cases.
template <class Item, class Body>
Checker check_items(const std::vector<Item>& items, const Body& body) {
    const std::size_t parts = std::max<std::size_t>(
        1,
        std::min<std::size_t>(items.size() / 4, std::max(1u, std::thread::hardware_concurrency())));
    std::vector<Checker> checkers(parts);
    auto run = [&](std::size_t t) {
        const std::size_t lo = items.size() * t / parts, hi = items.size() * (t + 1) / parts;
        for (std::size_t i = lo; i < hi; ++i) body(items[i], checkers[t]);
    };
    std::vector<std::thread> team;
    for (std::size_t t = 1; t < parts; ++t) team.emplace_back(run, t);
    run(0);
    for (auto& t : team) t.join();
    Checker all;
    for (const Checker& c : checkers) all.merge(c);
    return all;
}

template <class In>
double max_abs(const In* x, std::int64_t n) {
    double m = 0;
    for (std::int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(double(x[i])));
    return m;
}

template <class In>
double l1(const In* x, std::int64_t n) {
    double s = 0;
    for (std::int64_t i = 0; i < n; ++i) s += std::fabs(double(x[i]));
    return s;
}

// Relative error budget of an entry of P: its score's rounding (about u sqrt(D) times the
// score magnitude bound A_i), the exp polynomial and the LSE, plus any rounding of P itself.
double err_p(double a_i, std::int64_t d, double roundoff_p) {
    return attention_tolerance_factor() * (std::sqrt(double(d) + 2.0) * (1.0 + a_i) + 8.0) +
           2.0 * roundoff_p;
}
// Error of a sum of n terms relative to the sum of their magnitudes.
double err_sum(std::int64_t n, double roundoff = 0.0) {
    return attention_tolerance_factor() * std::sqrt(double(n) + 2.0) + 2.0 * roundoff;
}

template <class In>
ValidationReport check_fwd(const AttentionProblem& p, const AttentionOperands& ops, double up) {
    const AttentionShape& s = p.shape;
    const double scale = attention_scale(p);
    const In* q = static_cast<const In*>(ops.q);
    const In* k = static_cast<const In*>(ops.k);
    const In* v = static_cast<const In*>(ops.v);
    const AttentionSizes z = attention_sizes(s);
    const double kmax = max_abs(k, z.k);
    const bool all = double(s.batch) * double(s.heads) * double(s.seq_q) * double(s.seq_k) *
                         double(s.head_dim + s.value_dim) <=
                     kFullCheckWork;
    std::mt19937_64 rng(4242);
    struct Row {
        std::int64_t b, h, i;
    };
    std::vector<Row> rows;  // picked in the serial order, so the sample is the same
    for (auto [b, h] : pick_heads(s.batch, s.heads, all))
        for (std::int64_t i : pick(s.seq_q, all, rng)) rows.push_back({b, h, i});
    return check_items(
               rows,
               [&](const Row& row, Checker& c) {
                   const auto [b, h, i] = row;
                   std::vector<double> scores(static_cast<std::size_t>(s.seq_k)),
                       oref(static_cast<std::size_t>(s.value_dim)),
                       bound(static_cast<std::size_t>(s.value_dim), 0.0);
                   const std::int64_t g = attn_kv_head(s, h);
                   double lse_ref = 0, l = 0;
                   attention_reference_fwd_row<In, double, double>(
                       s, scale, q, k, v, b, h, i, scores.data(), oref.data(), &lse_ref, &l);
                   const std::int64_t n =
                       flops::attention_visible_keys(i, s.seq_q, s.seq_k, s.causal);
                   const double a_i =
                       scale *
                       l1(q + attn_offset(b, i, h, s.seq_q, s.heads, s.head_dim), s.head_dim) *
                       kmax;
                   const double e = err_p(a_i, s.head_dim, up) + err_sum(n);
                   for (std::int64_t j = 0; j < n; ++j) {
                       const double pij = scores[std::size_t(j)] / l;
                       const In* vj = v + attn_offset(b, j, g, s.seq_k, s.kv_heads, s.value_dim);
                       for (std::int64_t x = 0; x < s.value_dim; ++x)
                           bound[std::size_t(x)] += pij * std::fabs(double(vj[x]));
                   }
                   const float* o = ops.o + attn_offset(b, i, h, s.seq_q, s.heads, s.value_dim);
                   for (std::int64_t x = 0; x < s.value_dim; ++x)
                       c.check(o[x], oref[std::size_t(x)], e * bound[std::size_t(x)], "O", b, i, h,
                               x);
                   const double lse = ops.lse[(b * s.heads + h) * s.seq_q + i];
                   const double e_lse = err_p(a_i, s.head_dim, 0.0) + err_sum(n) +
                                        attention_tolerance_factor() * std::fabs(lse_ref);
                   c.check(lse, lse_ref, e_lse, "LSE", b, i, h, 0);
               })
        .done();
}

// Backward oracle pieces for one query row i of head h: D_i and |dO_i|.|O_i|.
struct RowTerms {
    double delta = 0, abs_do_o = 0, lse = 0, err_p = 0;
};

template <class In>
ValidationReport check_bwd(const AttentionProblem& p, const AttentionOperands& ops, double up) {
    const AttentionShape& s = p.shape;
    const std::int64_t D = s.head_dim, Dv = s.value_dim, group = s.heads / s.kv_heads;
    const double scale = attention_scale(p);
    const In* q = static_cast<const In*>(ops.q);
    const In* k = static_cast<const In*>(ops.k);
    const In* v = static_cast<const In*>(ops.v);
    const AttentionSizes z = attention_sizes(s);
    const double kmax = max_abs(k, z.k);
    const bool all = double(s.batch) * double(s.heads) * double(s.seq_q) * double(s.seq_k) *
                         double(3 * D + 2 * Dv) <=
                     kFullCheckWork;
    std::mt19937_64 rng(777);
    auto row_terms = [&](std::int64_t b, std::int64_t h, std::int64_t i) {
        RowTerms t;
        const float* o = ops.o + attn_offset(b, i, h, s.seq_q, s.heads, Dv);
        const float* d_o = ops.d_o + attn_offset(b, i, h, s.seq_q, s.heads, Dv);
        for (std::int64_t c = 0; c < Dv; ++c) {
            t.delta += double(d_o[c]) * double(o[c]);
            t.abs_do_o += std::fabs(double(d_o[c]) * double(o[c]));
        }
        t.lse = ops.lse[(b * s.heads + h) * s.seq_q + i];
        return t;
    };
    // P, dP and |dO_i|.|V_j| of one pair.
    auto pair = [&](std::int64_t b, std::int64_t h, std::int64_t i, std::int64_t j,
                    const RowTerms& t, double& pij, double& dp, double& abs_do_v) {
        const std::int64_t g = attn_kv_head(s, h);
        const In* qi = q + attn_offset(b, i, h, s.seq_q, s.heads, D);
        const In* kj = k + attn_offset(b, j, g, s.seq_k, s.kv_heads, D);
        const In* vj = v + attn_offset(b, j, g, s.seq_k, s.kv_heads, Dv);
        const float* d_o = ops.d_o + attn_offset(b, i, h, s.seq_q, s.heads, Dv);
        double sc = 0;
        for (std::int64_t d = 0; d < D; ++d) sc += double(qi[d]) * double(kj[d]);
        pij = std::exp(sc * scale - t.lse);
        dp = 0;
        abs_do_v = 0;
        for (std::int64_t c = 0; c < Dv; ++c) {
            dp += double(d_o[c]) * double(vj[c]);
            abs_do_v += std::fabs(double(d_o[c]) * double(vj[c]));
        }
    };
    // dQ rows.
    struct Row {
        std::int64_t b, h, i;
    };
    std::vector<Row> rows;  // picked in the serial order, so the sample is the same
    for (auto [b, h] : pick_heads(s.batch, s.heads, all))
        for (std::int64_t i : pick(s.seq_q, all, rng)) rows.push_back({b, h, i});
    Checker c = check_items(rows, [&](const Row& row, Checker& cq) {
        const auto [b, h, i] = row;
        std::vector<double> ref(static_cast<std::size_t>(D), 0.0),
            bnd(static_cast<std::size_t>(D), 0.0);
        const std::int64_t g = attn_kv_head(s, h);
        const std::int64_t n = flops::attention_visible_keys(i, s.seq_q, s.seq_k, s.causal);
        const RowTerms t = row_terms(b, h, i);
        const double a_i = scale * l1(q + attn_offset(b, i, h, s.seq_q, s.heads, D), D) * kmax;
        const double ep = err_p(a_i, D, up), ed = err_sum(Dv, up), es = err_sum(n);
        for (std::int64_t j = 0; j < n; ++j) {
            double pij, dp, adv;
            pair(b, h, i, j, t, pij, dp, adv);
            const double ds = pij * (dp - t.delta) * scale;
            // dS error: P's relative error on (dP - D_i), the dot products' on their magnitudes,
            // then the sum over keys.
            const double mag =
                scale * pij * (ep * std::fabs(dp - t.delta) + ed * (adv + t.abs_do_o)) +
                es * std::fabs(ds);
            const In* kj = k + attn_offset(b, j, g, s.seq_k, s.kv_heads, D);
            for (std::int64_t d = 0; d < D; ++d) {
                ref[std::size_t(d)] += ds * double(kj[d]);
                bnd[std::size_t(d)] += mag * std::fabs(double(kj[d]));
            }
        }
        const float* dq = ops.dq + attn_offset(b, i, h, s.seq_q, s.heads, D);
        for (std::int64_t d = 0; d < D; ++d)
            cq.check(dq[d], ref[std::size_t(d)], bnd[std::size_t(d)], "dQ", b, i, h, d);
    });
    // dK and dV rows of sampled key/value heads and keys.
    for (auto [b, g] : pick_heads(s.batch, s.kv_heads, all)) {
        std::vector<RowTerms> terms(std::size_t(group * s.seq_q));
        for (std::int64_t hh = 0; hh < group; ++hh)
            for (std::int64_t i = 0; i < s.seq_q; ++i) {
                const std::int64_t h = g * group + hh;
                RowTerms& t = terms[std::size_t(hh * s.seq_q + i)];
                t = row_terms(b, h, i);
                t.err_p = err_p(scale * l1(q + attn_offset(b, i, h, s.seq_q, s.heads, D), D) * kmax,
                                D, up);
            }
        const double ed = err_sum(Dv, up), es = err_sum(group * s.seq_q);
        c.merge(check_items(
            pick(s.seq_k, all, rng, 4, 6, 8), [&, b = b, g = g](std::int64_t j, Checker& ck) {
                std::vector<double> ref(static_cast<std::size_t>(D), 0.0),
                    bnd(static_cast<std::size_t>(D), 0.0);
                std::vector<double> refv(static_cast<std::size_t>(Dv), 0.0),
                    bndv(static_cast<std::size_t>(Dv), 0.0);
                for (std::int64_t hh = 0; hh < group; ++hh) {
                    const std::int64_t h = g * group + hh;
                    for (std::int64_t i = 0; i < s.seq_q; ++i) {
                        if (flops::attention_visible_keys(i, s.seq_q, s.seq_k, s.causal) <= j)
                            continue;
                        const RowTerms& t = terms[std::size_t(hh * s.seq_q + i)];
                        double pij, dp, adv;
                        pair(b, h, i, j, t, pij, dp, adv);
                        const double ds = pij * (dp - t.delta) * scale;
                        const double mag =
                            scale * pij *
                                (t.err_p * std::fabs(dp - t.delta) + ed * (adv + t.abs_do_o)) +
                            es * std::fabs(ds);
                        const In* qi = q + attn_offset(b, i, h, s.seq_q, s.heads, D);
                        const float* d_o = ops.d_o + attn_offset(b, i, h, s.seq_q, s.heads, Dv);
                        for (std::int64_t d = 0; d < D; ++d) {
                            ref[std::size_t(d)] += ds * double(qi[d]);
                            bnd[std::size_t(d)] += mag * std::fabs(double(qi[d]));
                        }
                        for (std::int64_t x = 0; x < Dv; ++x) {
                            refv[std::size_t(x)] += pij * double(d_o[x]);
                            bndv[std::size_t(x)] +=
                                (t.err_p + es + 2.0 * up) * pij * std::fabs(double(d_o[x]));
                        }
                    }
                }
                const float* dk = ops.dk + attn_offset(b, j, g, s.seq_k, s.kv_heads, D);
                const float* dv = ops.dv + attn_offset(b, j, g, s.seq_k, s.kv_heads, Dv);
                for (std::int64_t d = 0; d < D; ++d)
                    ck.check(dk[d], ref[std::size_t(d)], bnd[std::size_t(d)], "dK", b, j, g, d);
                for (std::int64_t x = 0; x < Dv; ++x)
                    ck.check(dv[x], refv[std::size_t(x)], bndv[std::size_t(x)], "dV", b, j, g, x);
            }));
    }
    return c.done();
}

}  // namespace

ValidationReport validate_attention_fwd(const AttentionProblem& p, const AttentionOperands& ops,
                                        double roundoff_p) {
    if (p.dtype == DType::fp64)
        return check_fwd<double>(p, ops, roundoff_p);  // a dequantized KV cache
    return p.dtype == DType::bf16 ? check_fwd<bf16>(p, ops, roundoff_p)
                                  : check_fwd<float>(p, ops, roundoff_p);
}

ValidationReport validate_attention_bwd(const AttentionProblem& p, const AttentionOperands& ops,
                                        double roundoff_p) {
    return p.dtype == DType::bf16 ? check_bwd<bf16>(p, ops, roundoff_p)
                                  : check_bwd<float>(p, ops, roundoff_p);
}

}  // namespace flopmeter
