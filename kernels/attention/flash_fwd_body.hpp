// Fused (flash-style) attention forward, templated on the vector traits and tile sizes; each
// ISA file instantiates it with its own flags (flash_fwd_<isa>_<mr>x<nr>.cpp).
//
// Algorithm (FlashAttention-2's forward, on CPU tiles):
//   pack, once per call: each key tile of K as K^T (D x BK) and of V as BK x Dv, zero-padded
//   per query tile of BQ rows of one (batch, head):
//     pack Q (MR-row panels, multiplied by scale*log2(e): scores are kept in base 2)
//     for each key tile that holds at least one unmasked key of the tile's last row:
//       S = Q K^T          MR x NR register tiles (attn_microkernel.hpp), BQ x BK in L1/L2
//       online softmax     m' = max(m, rowmax S), P = 2^(S - m'), l = l 2^(m - m') + sum P,
//                          O *= 2^(m - m') (only when the max moved); masked keys give P = 0
//       O += P V           MR x NR register tiles over the tile's keys
//     O /= l, LSE = (m + log2 l) ln 2
// S x S is never stored: extra memory is the packed K/V (O(S)) plus per thread BQ x (D + BK +
// Dv). Measured against 2*B*H*P*(D + Dv) model FLOPs (P unmasked pairs); executed FLOPs count
// the full visited tiles (flops::attention_tiled_pairs with BQ, BK).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/attention/attention_reference.hpp"
#include "kernels/attention/attn_exp2.hpp"
#include "kernels/attention/attn_kernels.hpp"
#include "kernels/attention/attn_microkernel.hpp"

namespace flopmeter::attn {

template <class Vec, int MR, int NV, int BQ, int BK>
struct FlashFwd {
    using V = typename Vec::V;
    static constexpr int L = Vec::lanes;
    static constexpr int NR = NV * L;
    static_assert(BQ % MR == 0 && BK % NR == 0,
                  "tile sizes must be multiples of the register tile");
    static constexpr float kNegInf = -std::numeric_limits<float>::infinity();

    template <class In>
    static void pack(const FwdArgs& a, std::int64_t b, std::int64_t g, std::int64_t kt) {
        const flops::AttentionShape& s = a.s;
        const std::int64_t D = s.head_dim, Dv = s.value_dim, dvp = a.dvp;
        const std::int64_t j0 = kt * BK, jn = std::min<std::int64_t>(BK, s.seq_k - j0);
        const std::int64_t tile = (b * s.kv_heads + g) * a.ktiles + kt;
        float* kp = a.kpack + tile * D * BK;
        float* vp = a.vpack + tile * BK * dvp;
        const In* K = static_cast<const In*>(a.k);
        const In* Vv = static_cast<const In*>(a.v);
        // K^T in blocks of 8 keys so each destination line is filled from cache-resident rows.
        for (std::int64_t jb = 0; jb < BK; jb += 8) {
            for (std::int64_t d = 0; d < D; ++d) {
                float* dst = kp + d * BK + jb;
                for (int j = 0; j < 8; ++j)
                    dst[j] =
                        jb + j < jn
                            ? float(K[attn_offset(b, j0 + jb + j, g, s.seq_k, s.kv_heads, D) + d])
                            : 0.0f;
            }
        }
        for (std::int64_t j = 0; j < BK; ++j) {
            float* dst = vp + j * dvp;
            if (j < jn) {
                const In* src = Vv + attn_offset(b, j0 + j, g, s.seq_k, s.kv_heads, Dv);
                for (std::int64_t c = 0; c < Dv; ++c) dst[c] = float(src[c]);
                for (std::int64_t c = Dv; c < dvp; ++c) dst[c] = 0.0f;
            } else {
                for (std::int64_t c = 0; c < dvp; ++c) dst[c] = 0.0f;
            }
        }
    }

    template <class In>
    static void query_tile(const FwdArgs& a, std::int64_t b, std::int64_t h, std::int64_t qt,
                           float* ws) {
        const flops::AttentionShape& s = a.s;
        const std::int64_t D = s.head_dim, Dv = s.value_dim, dvp = a.dvp;
        const std::int64_t g = attn_kv_head(s, h);
        const std::int64_t i0 = qt * BQ, rows = std::min<std::int64_t>(BQ, s.seq_q - i0);
        float* qp = ws;                         // BQ/MR panels of D x MR
        float* sp = qp + round_up(BQ * D, 16);  // BQ x BK scores, then P
        float* ob = sp + BQ * BK;               // BQ x dvp output accumulators
        float* m = ob + BQ * dvp;               // running max (base 2)
        float* l = m + round_up(BQ, 16);        // running sum

        const In* Q = static_cast<const In*>(a.q);
        for (int r = 0; r < BQ; ++r) {
            float* panel = qp + (r / MR) * D * MR + r % MR;
            if (r < rows) {
                const In* src = Q + attn_offset(b, i0 + r, h, s.seq_q, s.heads, D);
                for (std::int64_t d = 0; d < D; ++d) panel[d * MR] = float(src[d]) * a.scale_log2;
            } else {
                for (std::int64_t d = 0; d < D; ++d) panel[d * MR] = 0.0f;
            }
            m[r] = kNegInf;
            l[r] = 0.0f;
        }
        for (std::int64_t x = 0; x < BQ * dvp; x += L) Vec::storeu(ob + x, Vec::zero());

        // The tile's last row sees the most keys: key tiles past it are skipped entirely.
        const std::int64_t vis =
            flops::attention_visible_keys(i0 + rows - 1, s.seq_q, s.seq_k, s.causal);
        const std::int64_t nkt = (vis + BK - 1) / BK;
        int nv[BQ], gmax[BQ / MR];
        for (std::int64_t kt = 0; kt < nkt; ++kt) {
            const std::int64_t j0 = kt * BK;
            const int jn = int(std::min<std::int64_t>(BK, s.seq_k - j0));
            const std::int64_t tile = (b * s.kv_heads + g) * a.ktiles + kt;
            const float* kp = a.kpack + tile * D * BK;
            const float* vp = a.vpack + tile * BK * dvp;
            for (int ig = 0; ig < BQ / MR; ++ig) {
                gmax[ig] = 0;
                for (int rr = 0; rr < MR; ++rr) {
                    const int r = ig * MR + rr;
                    int n = 0;
                    if (r < rows) {
                        const std::int64_t vk =
                            flops::attention_visible_keys(i0 + r, s.seq_q, s.seq_k, s.causal) - j0;
                        n = int(std::clamp<std::int64_t>(vk, 0, jn));
                    }
                    nv[r] = n;
                    gmax[ig] = std::max(gmax[ig], n);
                }
            }
            // S = Q K^T for the row groups and key panels that hold unmasked pairs.
            for (int ig = 0; ig < BQ / MR; ++ig) {
                const int panels = (gmax[ig] + NR - 1) / NR;
                for (int jp = 0; jp < panels; ++jp)
                    tile_product<Vec, MR, NV, 1, MR, false>(D, qp + ig * D * MR, kp + jp * NR, BK,
                                                            sp + ig * MR * BK + jp * NR, BK);
            }
            // Online softmax, row by row.
            for (int r = 0; r < BQ; ++r) {
                float* srow = sp + r * BK;
                const int n = nv[r], width = gmax[r / MR];
                if (n == 0) {
                    for (int j = 0; j < width; j += L) Vec::storeu(srow + j, Vec::zero());
                    continue;
                }
                const int nfull = n / L * L;
                V mx = Vec::set1(kNegInf);
                for (int j = 0; j < nfull; j += L) mx = Vec::max(mx, Vec::loadu(srow + j));
                if (nfull < n)
                    mx = Vec::max(mx, Vec::select(Vec::first(n - nfull), Vec::loadu(srow + nfull),
                                                  Vec::set1(kNegInf)));
                const float m_new = std::max(m[r], Vec::hmax(mx));
                const V mv = Vec::set1(m_new);
                V sum = Vec::zero();
                for (int j = 0; j < nfull; j += L) {
                    const V p = Vec::exp2(Vec::sub(Vec::loadu(srow + j), mv));
                    Vec::storeu(srow + j, p);
                    sum = Vec::add(sum, p);
                }
                int j = nfull;
                if (nfull < n) {
                    const V p =
                        Vec::select(Vec::first(n - nfull),
                                    Vec::exp2(Vec::sub(Vec::loadu(srow + j), mv)), Vec::zero());
                    Vec::storeu(srow + j, p);
                    sum = Vec::add(sum, p);
                    j += L;
                }
                for (; j < width; j += L) Vec::storeu(srow + j, Vec::zero());
                const float alpha = exp2_poly(m[r] - m_new);  // m = -inf: l and O are still 0
                l[r] = l[r] * alpha + Vec::hsum(sum);
                m[r] = m_new;
                if (alpha != 1.0f) {
                    const V av = Vec::set1(alpha);
                    float* orow = ob + r * dvp;
                    for (std::int64_t c = 0; c < dvp; c += L)
                        Vec::storeu(orow + c, Vec::mul(av, Vec::loadu(orow + c)));
                }
            }
            // O += P V over the keys each row group needs.
            for (int ig = 0; ig < BQ / MR; ++ig) {
                if (gmax[ig] == 0) continue;
                for (std::int64_t cp = 0; cp < dvp; cp += NR)
                    tile_product<Vec, MR, NV, BK, 1, true>(gmax[ig], sp + ig * MR * BK, vp + cp,
                                                           dvp, ob + ig * MR * dvp + cp, dvp);
            }
        }
        for (std::int64_t r = 0; r < rows; ++r) {
            float* out = a.o + attn_offset(b, i0 + r, h, s.seq_q, s.heads, Dv);
            float* lse = a.lse + (b * s.heads + h) * s.seq_q + i0 + r;
            if (l[r] > 0.0f) {
                const float inv = 1.0f / l[r];
                for (std::int64_t c = 0; c < Dv; ++c) out[c] = ob[r * dvp + c] * inv;
                *lse = (m[r] + std::log2(l[r])) * kLn2;
            } else {
                for (std::int64_t c = 0; c < Dv; ++c) out[c] = 0.0f;
                *lse = kNegInf;
            }
        }
    }

    static void pack_entry(const FwdArgs& a, std::int64_t b, std::int64_t g, std::int64_t kt) {
        if (a.bf16_in)
            pack<bf16>(a, b, g, kt);
        else
            pack<float>(a, b, g, kt);
    }
    static void tile_entry(const FwdArgs& a, std::int64_t b, std::int64_t h, std::int64_t qt,
                           float* ws) {
        if (a.bf16_in)
            query_tile<bf16>(a, b, h, qt, ws);
        else
            query_tile<float>(a, b, h, qt, ws);
    }
};

}  // namespace flopmeter::attn
