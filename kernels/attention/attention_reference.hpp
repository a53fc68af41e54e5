// attention_reference: the naive algorithm, kept forever as the oracle.
//
// Forward, per (batch, head, query row i): materialise the row of scores s_j = scale * q_i.k_j
// over the visible keys, m = max s_j, e_j = exp(s_j - m), l = sum e_j, o_i = (sum e_j v_j) / l,
// LSE_i = m + log l. Backward, per (batch, key/value head) so that dK and dV accumulate without
// races: for each query head of the group and row i, D_i = dO_i.O_i, then per visible key j
// P = exp(scale * q_i.k_j - LSE_i), dP = dO_i.v_j, dS = P (dP - D_i) scale, dV_j += P dO_i,
// dQ_i += dS k_j, dK_j += dS q_i (the five products: 2*(3D + 2Dv) FLOPs per pair).
//
// Templated on the input type In, the incoming-gradient type G, the accumulator Acc and the
// output Out, so that
//  - the oracle and the `reference` backend run with Acc = double,
//  - the counting-scalar test runs it with a type that tallies every +, *, max, exp, / and log
//    and checks the tallies against core/flops.hpp exactly.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/flops.hpp"

namespace flopmeter {

// Offset of element (b, s, h, 0) of a [B, S, heads, dim] tensor.
constexpr std::int64_t attn_offset(std::int64_t b, std::int64_t s, std::int64_t h, std::int64_t seq,
                                   std::int64_t heads, std::int64_t dim) {
    return ((b * seq + s) * heads + h) * dim;
}

constexpr std::int64_t attn_kv_head(const flops::AttentionShape& a, std::int64_t h) {
    return h / (a.heads / a.kv_heads);
}

// One output row. `scores`: scratch of Sk accumulators; on return scores[j] = exp(s_j - m) for
// the n visible keys, and *row_sum = l (0 when the row sees no key: o = 0, LSE = -inf).
template <class In, class Acc, class Out>
void attention_reference_fwd_row(const flops::AttentionShape& a, double scale, const In* q,
                                 const In* k, const In* v, std::int64_t b, std::int64_t h,
                                 std::int64_t i, Acc* scores, Out* o_row, Out* lse,
                                 Acc* row_sum = nullptr) {
    using std::exp;
    using std::log;
    using std::max;
    const std::int64_t n = flops::attention_visible_keys(i, a.seq_q, a.seq_k, a.causal);
    const std::int64_t g = attn_kv_head(a, h);
    const In* qi = q + attn_offset(b, i, h, a.seq_q, a.heads, a.head_dim);
    if (n == 0) {
        for (std::int64_t c = 0; c < a.value_dim; ++c) o_row[c] = Out(0.0);
        *lse = Out(-std::numeric_limits<double>::infinity());
        if (row_sum) *row_sum = Acc(0.0);
        return;
    }
    const Acc sc = Acc(scale);
    Acc m = Acc(-std::numeric_limits<double>::infinity());
    for (std::int64_t j = 0; j < n; ++j) {
        const In* kj = k + attn_offset(b, j, g, a.seq_k, a.kv_heads, a.head_dim);
        Acc s = Acc(0.0);
        for (std::int64_t d = 0; d < a.head_dim; ++d) s = s + Acc(qi[d]) * Acc(kj[d]);
        s = s * sc;
        scores[j] = s;
        m = max(m, s);
    }
    Acc l = Acc(0.0);
    for (std::int64_t j = 0; j < n; ++j) {
        const Acc e = exp(scores[j] - m);
        scores[j] = e;
        l = l + e;
    }
    const Acc inv = Acc(1.0) / l;
    for (std::int64_t c = 0; c < a.value_dim; ++c) {
        Acc acc = Acc(0.0);
        for (std::int64_t j = 0; j < n; ++j)
            acc = acc +
                  scores[j] * Acc(v[attn_offset(b, j, g, a.seq_k, a.kv_heads, a.value_dim) + c]);
        o_row[c] = Out(acc * inv);
    }
    *lse = Out(m + log(l));
    if (row_sum) *row_sum = l;
}

// The whole forward; scores: scratch of Sk accumulators.
template <class In, class Acc, class Out>
void attention_reference_fwd(const flops::AttentionShape& a, double scale, const In* q, const In* k,
                             const In* v, Out* o, Out* lse, Acc* scores) {
    for (std::int64_t b = 0; b < a.batch; ++b)
        for (std::int64_t h = 0; h < a.heads; ++h)
            for (std::int64_t i = 0; i < a.seq_q; ++i)
                attention_reference_fwd_row<In, Acc, Out>(
                    a, scale, q, k, v, b, h, i, scores,
                    o + attn_offset(b, i, h, a.seq_q, a.heads, a.value_dim),
                    lse + (b * a.heads + h) * a.seq_q + i);
}

// Backward for one (batch, key/value head g): dQ rows of the group's query heads and the dK,
// dV rows of head g. Scratch: dk_acc [Sk x D], dv_acc [Sk x Dv], dq_acc [D] accumulators.
template <class In, class G, class Acc, class Out>
void attention_reference_bwd_group(const flops::AttentionShape& a, double scale, const In* q,
                                   const In* k, const In* v, const G* o, const G* d_o, const G* lse,
                                   std::int64_t b, std::int64_t g, Out* dq, Out* dk, Out* dv,
                                   Acc* dk_acc, Acc* dv_acc, Acc* dq_acc) {
    using std::exp;
    const std::int64_t D = a.head_dim, Dv = a.value_dim, group = a.heads / a.kv_heads;
    for (std::int64_t x = 0; x < a.seq_k * D; ++x) dk_acc[x] = Acc(0.0);
    for (std::int64_t x = 0; x < a.seq_k * Dv; ++x) dv_acc[x] = Acc(0.0);
    const Acc sc = Acc(scale);
    for (std::int64_t hh = 0; hh < group; ++hh) {
        const std::int64_t h = g * group + hh;
        for (std::int64_t i = 0; i < a.seq_q; ++i) {
            Out* dqi = dq + attn_offset(b, i, h, a.seq_q, a.heads, D);
            const std::int64_t n = flops::attention_visible_keys(i, a.seq_q, a.seq_k, a.causal);
            if (n == 0) {
                for (std::int64_t d = 0; d < D; ++d) dqi[d] = Out(0.0);
                continue;
            }
            const In* qi = q + attn_offset(b, i, h, a.seq_q, a.heads, D);
            const G* oi = o + attn_offset(b, i, h, a.seq_q, a.heads, Dv);
            const G* doi = d_o + attn_offset(b, i, h, a.seq_q, a.heads, Dv);
            Acc di = Acc(0.0);
            for (std::int64_t c = 0; c < Dv; ++c) di = di + Acc(doi[c]) * Acc(oi[c]);
            const Acc lse_i = Acc(lse[(b * a.heads + h) * a.seq_q + i]);
            for (std::int64_t d = 0; d < D; ++d) dq_acc[d] = Acc(0.0);
            for (std::int64_t j = 0; j < n; ++j) {
                const In* kj = k + attn_offset(b, j, g, a.seq_k, a.kv_heads, D);
                const In* vj = v + attn_offset(b, j, g, a.seq_k, a.kv_heads, Dv);
                Acc s = Acc(0.0);
                for (std::int64_t d = 0; d < D; ++d) s = s + Acc(qi[d]) * Acc(kj[d]);
                const Acc p = exp(s * sc - lse_i);
                Acc dp = Acc(0.0);
                for (std::int64_t c = 0; c < Dv; ++c) dp = dp + Acc(doi[c]) * Acc(vj[c]);
                const Acc ds = p * (dp - di) * sc;
                Acc* dvj = dv_acc + j * Dv;
                for (std::int64_t c = 0; c < Dv; ++c) dvj[c] = dvj[c] + p * Acc(doi[c]);
                for (std::int64_t d = 0; d < D; ++d) dq_acc[d] = dq_acc[d] + ds * Acc(kj[d]);
                Acc* dkj = dk_acc + j * D;
                for (std::int64_t d = 0; d < D; ++d) dkj[d] = dkj[d] + ds * Acc(qi[d]);
            }
            for (std::int64_t d = 0; d < D; ++d) dqi[d] = Out(dq_acc[d]);
        }
    }
    for (std::int64_t j = 0; j < a.seq_k; ++j) {
        for (std::int64_t d = 0; d < D; ++d)
            dk[attn_offset(b, j, g, a.seq_k, a.kv_heads, D) + d] = Out(dk_acc[j * D + d]);
        for (std::int64_t c = 0; c < Dv; ++c)
            dv[attn_offset(b, j, g, a.seq_k, a.kv_heads, Dv) + c] = Out(dv_acc[j * Dv + c]);
    }
}

// Sampled-row forms of the backward, for validating a large problem at a few rows (the GPU
// check). Both accumulate in double; `mag` (optional) receives the sum of the absolute values of
// each output's terms, which sizes a rounding bound.

// One dQ row (batch b, query head h, row i), from this oracle's own forward row: P_j = e_j / l,
// dP_j = dO_i.v_j, D_i = sum_j P_j dP_j, dQ_i = scale sum_j P_j (dP_j - D_i) k_j.
// Scratch: e and dp of Sk doubles.
template <class In, class G>
void attention_reference_bwd_q_row(const flops::AttentionShape& a, double scale, const In* q,
                                   const In* k, const In* v, const G* d_o, std::int64_t b,
                                   std::int64_t h, std::int64_t i, double* e, double* dp,
                                   double* dq_row, double* mag = nullptr) {
    const std::int64_t D = a.head_dim, Dv = a.value_dim, g = attn_kv_head(a, h);
    const std::int64_t n = flops::attention_visible_keys(i, a.seq_q, a.seq_k, a.causal);
    for (std::int64_t d = 0; d < D; ++d) {
        dq_row[d] = 0.0;
        if (mag) mag[d] = 0.0;
    }
    if (n == 0) return;
    double lse = 0, l = 0;
    thread_local std::vector<double> o_row;
    o_row.resize(static_cast<std::size_t>(Dv));
    attention_reference_fwd_row<In, double, double>(a, scale, q, k, v, b, h, i, e, o_row.data(),
                                                    &lse, &l);
    const G* doi = d_o + attn_offset(b, i, h, a.seq_q, a.heads, Dv);
    double delta = 0;
    for (std::int64_t j = 0; j < n; ++j) {
        const In* vj = v + attn_offset(b, j, g, a.seq_k, a.kv_heads, Dv);
        double s = 0;
        for (std::int64_t c = 0; c < Dv; ++c) s += double(doi[c]) * double(vj[c]);
        dp[j] = s;
        delta += e[j] / l * s;
    }
    for (std::int64_t j = 0; j < n; ++j) {
        const double pj = e[j] / l, ds = scale * pj * (dp[j] - delta);
        const double dsm = scale * pj * (std::fabs(dp[j]) + std::fabs(delta));
        const In* kj = k + attn_offset(b, j, g, a.seq_k, a.kv_heads, D);
        for (std::int64_t d = 0; d < D; ++d) {
            dq_row[d] += ds * double(kj[d]);
            if (mag) mag[d] += dsm * std::fabs(double(kj[d]));
        }
    }
}

// One dK and dV row (batch b, key/value head g, key j): sums over the group's query heads and
// the query rows that see key j, with P from the given LSE and D_i = dO_i.O_i from the given O
// (as attention_reference_bwd_group does).
template <class In, class G>
void attention_reference_bwd_kv_row(const flops::AttentionShape& a, double scale, const In* q,
                                    const In* k, const In* v, const G* o, const G* d_o,
                                    const G* lse, std::int64_t b, std::int64_t g, std::int64_t j,
                                    double* dk_row, double* dv_row, double* dk_mag = nullptr,
                                    double* dv_mag = nullptr) {
    const std::int64_t D = a.head_dim, Dv = a.value_dim, group = a.heads / a.kv_heads;
    for (std::int64_t d = 0; d < D; ++d) {
        dk_row[d] = 0.0;
        if (dk_mag) dk_mag[d] = 0.0;
    }
    for (std::int64_t c = 0; c < Dv; ++c) {
        dv_row[c] = 0.0;
        if (dv_mag) dv_mag[c] = 0.0;
    }
    const In* kj = k + attn_offset(b, j, g, a.seq_k, a.kv_heads, D);
    const In* vj = v + attn_offset(b, j, g, a.seq_k, a.kv_heads, Dv);
    for (std::int64_t h = g * group; h < (g + 1) * group; ++h)
        for (std::int64_t i = 0; i < a.seq_q; ++i) {
            if (j >= flops::attention_visible_keys(i, a.seq_q, a.seq_k, a.causal)) continue;
            const In* qi = q + attn_offset(b, i, h, a.seq_q, a.heads, D);
            const G* oi = o + attn_offset(b, i, h, a.seq_q, a.heads, Dv);
            const G* doi = d_o + attn_offset(b, i, h, a.seq_q, a.heads, Dv);
            double s = 0, dp = 0, di = 0;
            for (std::int64_t d = 0; d < D; ++d) s += double(qi[d]) * double(kj[d]);
            for (std::int64_t c = 0; c < Dv; ++c) {
                dp += double(doi[c]) * double(vj[c]);
                di += double(doi[c]) * double(oi[c]);
            }
            const double p = std::exp(scale * s - double(lse[(b * a.heads + h) * a.seq_q + i]));
            const double ds = scale * p * (dp - di),
                         dsm = scale * p * (std::fabs(dp) + std::fabs(di));
            for (std::int64_t c = 0; c < Dv; ++c) {
                dv_row[c] += p * double(doi[c]);
                if (dv_mag) dv_mag[c] += p * std::fabs(double(doi[c]));
            }
            for (std::int64_t d = 0; d < D; ++d) {
                dk_row[d] += ds * double(qi[d]);
                if (dk_mag) dk_mag[d] += dsm * std::fabs(double(qi[d]));
            }
        }
}

// The whole backward; scratch as for attention_reference_bwd_group.
template <class In, class G, class Acc, class Out>
void attention_reference_bwd(const flops::AttentionShape& a, double scale, const In* q, const In* k,
                             const In* v, const G* o, const G* d_o, const G* lse, Out* dq, Out* dk,
                             Out* dv, Acc* dk_acc, Acc* dv_acc, Acc* dq_acc) {
    for (std::int64_t b = 0; b < a.batch; ++b)
        for (std::int64_t g = 0; g < a.kv_heads; ++g)
            attention_reference_bwd_group<In, G, Acc, Out>(a, scale, q, k, v, o, d_o, lse, b, g, dq,
                                                           dk, dv, dk_acc, dv_acc, dq_acc);
}

}  // namespace flopmeter
