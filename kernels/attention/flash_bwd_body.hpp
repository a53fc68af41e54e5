// Fused (flash-style) attention backward, templated on the vector traits and tile sizes; each
// ISA file instantiates it (flash_bwd_<isa>_<mr>x<nr>.cpp). fp32 arithmetic throughout (bf16
// Q, K, V are widened while packing); dQ, dK, dV are fp32.
//
// Algorithm (FlashAttention-2's backward): the scores are recomputed from the saved LSE.
//   rows pass, per (b, h, query tile): D_i = dO_i . O_i, LSE_i in base 2, dQ rows zeroed
//   per key tile of one (b, key/value head g), one unit of parallel work that owns dK, dV:
//     pack K^T, V^T (D x BK, Dv x BK), K (BK x D); dK = dV = 0 (BK x D, BK x Dv in L2)
//     for each query head of the group, for each query tile that sees a key of the tile:
//       S  = Q K^T           (Q packed and pre-scaled by scale*log2 e)
//       dP = dO V^T
//       P  = 2^(S - LSE2_i), dS = P (dP - D_i) scale      (masked keys -> 0)
//       dV += P^T dO,  dK += dS^T Q                         (key rows x MR register tiles)
//       dQ_tile = dS K, added into dQ under the tile's spin lock (tiles of other key tiles
//                 add to the same dQ rows; the visiting order is staggered to avoid waiting)
//   All five products use the MR x NR register tile of attn_microkernel.hpp.
// Extra memory: D_i and LSE2 (B*H*Sq floats each), one lock per query tile, and per thread a
// few tiles: O(S). Measured against 2.5 x forward model FLOPs; executed FLOPs are the five
// products over the visited tiles (flops::attention_bwd_executed_flops, recompute = true).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/attention/attention_reference.hpp"
#include "kernels/attention/attn_exp2.hpp"
#include "kernels/attention/attn_kernels.hpp"
#include "kernels/attention/attn_microkernel.hpp"

namespace flopmeter::attn {

template <class Vec, int MR, int NV, int BQ, int BK>
struct FlashBwd {
    using V = typename Vec::V;
    static constexpr int L = Vec::lanes;
    static constexpr int NR = NV * L;
    static_assert(BQ % MR == 0 && BK % NR == 0 && BK % MR == 0,
                  "tile sizes must be multiples of the register tile");

    static void rows(const BwdArgs& a, std::int64_t b, std::int64_t h, std::int64_t qt,
                     std::int64_t bq) {
        const flops::AttentionShape& s = a.s;
        const std::int64_t D = s.head_dim, Dv = s.value_dim;
        const std::int64_t i0 = qt * bq, i1 = std::min<std::int64_t>(s.seq_q, i0 + bq);
        for (std::int64_t i = i0; i < i1; ++i) {
            const std::int64_t off = attn_offset(b, i, h, s.seq_q, s.heads, Dv);
            const float* o = a.o + off;
            const float* d_o = a.d_o + off;
            float di = 0.0f;
            for (std::int64_t c = 0; c < Dv; ++c) di += d_o[c] * o[c];
            const std::int64_t r = (b * s.heads + h) * s.seq_q + i;
            a.delta[r] = di;
            a.lse2[r] = a.lse[r] * kLog2e;
            float* dq = a.dq + attn_offset(b, i, h, s.seq_q, s.heads, D);
            for (std::int64_t d = 0; d < D; ++d) dq[d] = 0.0f;
        }
    }

    // Panels of MR rows, element (r, x) at panel[(r / MR) * n * MR + x * MR + r % MR]; rows past
    // `rows` are zero.
    template <class T>
    static void pack_panels(const T* src, std::int64_t row_stride, std::int64_t rows,
                            std::int64_t n, float mul, float* dst) {
        for (int r = 0; r < BQ; ++r) {
            float* p = dst + (r / MR) * n * MR + r % MR;
            if (r < rows) {
                const T* row = src + r * row_stride;
                for (std::int64_t x = 0; x < n; ++x) p[x * MR] = float(row[x]) * mul;
            } else {
                for (std::int64_t x = 0; x < n; ++x) p[x * MR] = 0.0f;
            }
        }
    }
    // Row-major copy with the row length padded to `np` (zeros) and `count` rows (zeros past
    // `rows`).
    template <class T>
    static void pack_rows(const T* src, std::int64_t row_stride, std::int64_t rows,
                          std::int64_t count, std::int64_t n, std::int64_t np, float* dst) {
        for (std::int64_t r = 0; r < count; ++r) {
            float* p = dst + r * np;
            if (r < rows) {
                const T* row = src + r * row_stride;
                for (std::int64_t x = 0; x < n; ++x) p[x] = float(row[x]);
                for (std::int64_t x = n; x < np; ++x) p[x] = 0.0f;
            } else {
                for (std::int64_t x = 0; x < np; ++x) p[x] = 0.0f;
            }
        }
    }
    // Transposed copy: dst[x * BK + r] = src row r, element x (rows past `rows` are zero).
    template <class T>
    static void pack_transposed(const T* src, std::int64_t row_stride, std::int64_t rows,
                                std::int64_t n, float* dst) {
        for (std::int64_t rb = 0; rb < BK; rb += 8)
            for (std::int64_t x = 0; x < n; ++x) {
                float* p = dst + x * BK + rb;
                for (int r = 0; r < 8; ++r)
                    p[r] = rb + r < rows ? float(src[(rb + r) * row_stride + x]) : 0.0f;
            }
    }

    template <class In>
    static void key_tile(const BwdArgs& a, std::int64_t b, std::int64_t g, std::int64_t kt,
                         float* ws) {
        const flops::AttentionShape& s = a.s;
        const std::int64_t D = s.head_dim, Dv = s.value_dim, dp = a.dp, dvp = a.dvp;
        const std::int64_t group = s.heads / s.kv_heads;
        const std::int64_t j0 = kt * BK;
        const int jn = int(std::min<std::int64_t>(BK, s.seq_k - j0));
        const In* Q = static_cast<const In*>(a.q);
        const In* K = static_cast<const In*>(a.k);
        const In* Vv = static_cast<const In*>(a.v);

        float* ktp = ws;             // D x BK
        float* vtp = ktp + D * BK;   // Dv x BK
        float* kn = vtp + Dv * BK;   // BK x dp
        float* dka = kn + BK * dp;   // BK x dp
        float* dva = dka + BK * dp;  // BK x dvp
        float* qp = dva + BK * dvp;  // BQ x D panels
        float* qn = qp + BQ * D;     // BQ x dp
        float* dop = qn + BQ * dp;   // BQ x Dv panels
        float* don = dop + BQ * Dv;  // BQ x dvp
        float* pt = don + BQ * dvp;  // BQ x BK: P
        float* dst = pt + BQ * BK;   // BQ x BK: dP, then dS
        float* dqs = dst + BQ * BK;  // BQ x dp

        const std::int64_t kstride = s.kv_heads * D, vstride = s.kv_heads * Dv;
        const In* kt0 = K + attn_offset(b, j0, g, s.seq_k, s.kv_heads, D);
        const In* vt0 = Vv + attn_offset(b, j0, g, s.seq_k, s.kv_heads, Dv);
        pack_transposed(kt0, kstride, jn, D, ktp);
        pack_transposed(vt0, vstride, jn, Dv, vtp);
        pack_rows(kt0, kstride, jn, BK, D, dp, kn);
        for (std::int64_t x = 0; x < BK * dp; ++x) dka[x] = 0.0f;
        for (std::int64_t x = 0; x < BK * dvp; ++x) dva[x] = 0.0f;

        // Rows that see key j0 (the tile's first key) and later ones: every query tile from there.
        const std::int64_t i_first =
            s.causal ? std::max<std::int64_t>(0, j0 - (s.seq_k - s.seq_q)) : 0;
        const std::int64_t qt_first = i_first / BQ, nq = a.qtiles - qt_first;
        int nv[BQ];
        for (std::int64_t hh = 0; hh < group; ++hh) {
            const std::int64_t h = g * group + hh;
            for (std::int64_t step = 0; step < nq; ++step) {
                const std::int64_t qt =
                    qt_first + (step + kt) % nq;  // staggered: tiles of other key tiles differ
                const std::int64_t i0 = qt * BQ;
                const int rows = int(std::min<std::int64_t>(BQ, s.seq_q - i0));
                int nvmax = 0;
                for (int r = 0; r < BQ; ++r) {
                    int n = 0;
                    if (r < rows) {
                        const std::int64_t vk =
                            flops::attention_visible_keys(i0 + r, s.seq_q, s.seq_k, s.causal) - j0;
                        n = int(std::clamp<std::int64_t>(vk, 0, jn));
                    }
                    nv[r] = n;
                    nvmax = std::max(nvmax, n);
                }
                if (nvmax == 0) continue;
                const In* qsrc = Q + attn_offset(b, i0, h, s.seq_q, s.heads, D);
                const float* dosrc = a.d_o + attn_offset(b, i0, h, s.seq_q, s.heads, Dv);
                pack_panels(qsrc, s.heads * D, rows, D, a.scale_log2, qp);
                pack_rows(qsrc, s.heads * D, rows, BQ, D, dp, qn);
                pack_panels(dosrc, s.heads * Dv, rows, Dv, 1.0f, dop);
                pack_rows(dosrc, s.heads * Dv, rows, BQ, Dv, dvp, don);

                const int row_groups = (rows + MR - 1) / MR;
                const int panels = (nvmax + NR - 1) / NR;
                for (int ig = 0; ig < row_groups; ++ig)
                    for (int jp = 0; jp < panels; ++jp) {
                        tile_product<Vec, MR, NV, 1, MR, false>(D, qp + ig * D * MR, ktp + jp * NR,
                                                                BK, pt + ig * MR * BK + jp * NR,
                                                                BK);
                        tile_product<Vec, MR, NV, 1, MR, false>(Dv, dop + ig * Dv * MR,
                                                                vtp + jp * NR, BK,
                                                                dst + ig * MR * BK + jp * NR, BK);
                    }
                // P and dS; zero past each row's keys up to the width the products below read.
                const int width = int(std::max(round_up(nvmax, NR), round_up(nvmax, MR)));
                const std::int64_t rbase = (b * s.heads + h) * s.seq_q + i0;
                for (int r = 0; r < row_groups * MR; ++r) {
                    float* prow = pt + r * BK;
                    float* drow = dst + r * BK;
                    const int n = nv[r];
                    int j = 0;
                    if (n > 0) {
                        const V lv = Vec::set1(a.lse2[rbase + r]);
                        const V dv = Vec::set1(a.delta[rbase + r]);
                        const V sc = Vec::set1(a.scale);
                        for (; j < n; j += L) {
                            V p = Vec::exp2(Vec::sub(Vec::loadu(prow + j), lv));
                            if (j + L > n) p = Vec::select(Vec::first(n - j), p, Vec::zero());
                            const V ds =
                                Vec::mul(Vec::mul(p, Vec::sub(Vec::loadu(drow + j), dv)), sc);
                            Vec::storeu(prow + j, p);
                            Vec::storeu(drow + j, ds);
                        }
                    }
                    for (; j < width; j += L) {
                        Vec::storeu(prow + j, Vec::zero());
                        Vec::storeu(drow + j, Vec::zero());
                    }
                }
                // dV += P^T dO and dK += dS^T Q: key rows in groups of MR, the query rows as k.
                const int key_groups = (nvmax + MR - 1) / MR;
                for (int jg = 0; jg < key_groups; ++jg) {
                    for (std::int64_t cp = 0; cp < dvp; cp += NR)
                        tile_product<Vec, MR, NV, 1, BK, true>(rows, pt + jg * MR, don + cp, dvp,
                                                               dva + jg * MR * dvp + cp, dvp);
                    for (std::int64_t cp = 0; cp < dp; cp += NR)
                        tile_product<Vec, MR, NV, 1, BK, true>(rows, dst + jg * MR, qn + cp, dp,
                                                               dka + jg * MR * dp + cp, dp);
                }
                // dQ tile = dS K, then added into dQ under the tile's lock.
                for (int ig = 0; ig < row_groups; ++ig)
                    for (std::int64_t cp = 0; cp < dp; cp += NR)
                        tile_product<Vec, MR, NV, BK, 1, false>(nvmax, dst + ig * MR * BK, kn + cp,
                                                                dp, dqs + ig * MR * dp + cp, dp);
                std::atomic<int>& lock = a.locks[(b * s.heads + h) * a.qtiles + qt];
                while (lock.exchange(1, std::memory_order_acquire)) _mm_pause();
                for (int r = 0; r < rows; ++r) {
                    float* dq = a.dq + attn_offset(b, i0 + r, h, s.seq_q, s.heads, D);
                    const float* src = dqs + r * dp;
                    std::int64_t d = 0;
                    for (; d + L <= D; d += L)
                        Vec::storeu(dq + d, Vec::add(Vec::loadu(dq + d), Vec::loadu(src + d)));
                    for (; d < D; ++d) dq[d] += src[d];
                }
                lock.store(0, std::memory_order_release);
            }
        }
        for (int r = 0; r < jn; ++r) {
            float* dk = a.dk + attn_offset(b, j0 + r, g, s.seq_k, s.kv_heads, D);
            float* dv = a.dv + attn_offset(b, j0 + r, g, s.seq_k, s.kv_heads, Dv);
            for (std::int64_t d = 0; d < D; ++d) dk[d] = dka[r * dp + d];
            for (std::int64_t c = 0; c < Dv; ++c) dv[c] = dva[r * dvp + c];
        }
    }

    static void tile_entry(const BwdArgs& a, std::int64_t b, std::int64_t g, std::int64_t kt,
                           float* ws) {
        if (a.bf16_in)
            key_tile<bf16>(a, b, g, kt, ws);
        else
            key_tile<float>(a, b, g, kt, ws);
    }
};

}  // namespace flopmeter::attn
