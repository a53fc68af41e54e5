// Decode attention (few queries, long key/value cache), templated on the vector traits; each
// ISA file instantiates it (decode_<isa>.cpp). Memory-bound: the figure of merit is bytes of K
// and V streamed per second, so K and V are read once, in place, from the [B, Sk, G, D] cache.
//
// Algorithm (split-K, "flash-decoding"): the keys of each batch entry are cut into chunks, one
// unit of parallel work each. A chunk walks its keys in blocks of L (the lane count):
//   for each head g, the query rows that share it (H/G heads x Sq rows) in register
//   blocks of NR <= 4 rows (Vec::decode_rows):
//     scores  NR rows x L/NR keys per register tile (16 accumulators, NR query and L/NR key
//             vectors loaded per D step, so each K element is loaded once per row block), each
//             tile folded into one vector by a transposing reduction (Vec::transpose_sum) and
//             regrouped into one vector of L scores per row (Vec::regroup)
//     online softmax per row on its L scores (masked keys -> 0; scale*log2(e) pre-applied)
//     O = O 2^(m - m') + sum_j p_j v_j with NR rows x 16/NR vectors of Dv in registers
// Each line of K and V loaded comes with a software prefetch of the same line kPrefetchBlocks
// blocks ahead: the kernel reads the cache head by head (rows G*D apart), a pattern the
// hardware prefetchers do not run far enough ahead on (about 3x below sequential read
// bandwidth on Zen 4), and prefetches issued in bursts are dropped when the miss buffers fill.
// The chunk leaves (O, m, l) per row in `partial`; attention_own.cpp combines the chunks.
// The cache may be stored apart from Q (DecodeArgs::kv): bf16, or int8 with one fp32 scale per
// (token, kv head) vector of K and of V. Codes are widened to fp32 exactly as they are loaded;
// the K scales multiply the block's L scores once (s_j = ks_j (q . k8_j)), the V scales the
// probabilities once after l is summed (O += (p_j vs_j) v8_j), so no element is dequantized
// into memory and the cache is read once, in place.
// FLOPs: 2*(D + Dv) per computed pair; a row block computes every key of a block up to the
// last one its rows see (reported as flops::attention_tiled_pairs with a query tile of Sq and
// key tiles of L: exact without a mask, an upper bound with one).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/attention/attention_problem.hpp"
#include "kernels/attention/attention_reference.hpp"
#include "kernels/attention/attn_exp2.hpp"
#include "kernels/attention/attn_kernels.hpp"

namespace flopmeter::attn {

template <class Vec>
struct Decode {
    using V = typename Vec::V;
    static constexpr int L = Vec::lanes;
    static constexpr int kMaxRows = Vec::decode_rows;  // register block of query rows (1, 2 or 4)
    static constexpr float kNegInf = -std::numeric_limits<float>::infinity();
    static constexpr int kPrefetchBlocks = 1;  // blocks of L keys prefetched ahead

    template <class In>
    static V load_in(const In* p) {
        if constexpr (std::is_same_v<In, float>)
            return Vec::loadu(p);
        else if constexpr (std::is_same_v<In, std::int8_t>)
            return Vec::load_i8(p);
        else
            return Vec::load_bf16(p);
    }
    template <class In>
    static V load_in_masked(typename Vec::M mk, const In* p) {
        if constexpr (std::is_same_v<In, float>)
            return Vec::maskz_loadu(mk, p);
        else if constexpr (std::is_same_v<In, std::int8_t>)
            return Vec::maskz_load_i8(mk, p);
        else
            return Vec::maskz_load_bf16(mk, p);
    }

    // Whether the vector at element offset x of a row is the first of its 64-byte line (rows of
    // the cache start on line boundaries when D * sizeof(In) is a multiple of 64).
    template <class In>
    static bool starts_line(std::int64_t x) {
        return (x * std::int64_t(sizeof(In))) % 64 < std::int64_t(L * sizeof(In));
    }

    // One row of a register block: its scaled query, its state (O, m, l) and its valid keys.
    struct Row {
        const float* q;
        float* st;
        int nv;
    };

    // out[r] lane j = q_r . k_j for the block's keys j < nb (rows kstride apart, read in place);
    // lanes j >= nb are 0.
    template <int NR, class In>
    static void scores(const Row* rows, const In* kb, std::int64_t kstride, std::int64_t D, int nb,
                       std::int64_t pf, V* out) {
        constexpr int KG = L / NR;  // keys per register tile
        V sums[NR];
        const std::int64_t full = D / L * L;
        const auto tail = Vec::first(int(D - full));
        for (int kg = 0; kg < NR; ++kg) {
            V acc[NR * KG];
#pragma GCC unroll 16
            for (int x = 0; x < NR * KG; ++x) acc[x] = Vec::zero();
            const In* kr = kb + std::int64_t(kg) * KG * kstride;
            const int keys = std::clamp(nb - kg * KG, 0, KG);
            auto step = [&](std::int64_t d, bool masked) {
                V qv[NR], kv[KG];
#pragma GCC unroll 4
                for (int r = 0; r < NR; ++r)
                    qv[r] = Vec::loadu(rows[r].q + d);  // zero-padded past D
#pragma GCC unroll 16
                for (int j = 0; j < KG; ++j) {
                    kv[j] = j >= keys ? Vec::zero()
                            : masked  ? load_in_masked<In>(tail, kr + j * kstride + d)
                                      : load_in<In>(kr + j * kstride + d);
                    // One prefetch per cache line loaded, paced with the arithmetic.
                    if (pf && starts_line<In>(d))
                        __builtin_prefetch(kr + j * kstride + d + pf, 0, 1);
                }
#pragma GCC unroll 4
                for (int r = 0; r < NR; ++r)
#pragma GCC unroll 16
                    for (int j = 0; j < KG; ++j)
                        acc[r * KG + j] = Vec::fmadd(qv[r], kv[j], acc[r * KG + j]);
            };
            if (keys > 0) {
                for (std::int64_t d = 0; d < full; d += L) step(d, false);
                if (full < D) step(full, true);
            }
            sums[kg] = Vec::transpose_sum(acc);  // lane r*KG + j
        }
        Vec::template regroup<NR>(sums, out);  // out[r] lane kg*KG + j
    }

    // o_r[0:NVEC vectors] = alpha_r o_r + sum_{j < nv} p_rj v_j[0:NVEC vectors], V read in place
    // (rows vstride apart); the last vector is masked to `tail` lanes when tail > 0.
    template <int NR, int NVEC, class In>
    static void values(const float* p, const float* alpha, int nv, const In* vb,
                       std::int64_t vstride, int tail, std::int64_t pf, float* const* o_io) {
        V o[NR][NVEC];
#pragma GCC unroll 4
        for (int r = 0; r < NR; ++r) {
            const V av = Vec::set1(alpha[r]);
#pragma GCC unroll 8
            for (int x = 0; x < NVEC; ++x) o[r][x] = Vec::mul(av, Vec::loadu(o_io[r] + x * L));
        }
        const auto mk = Vec::first(tail);
        for (int j = 0; j < nv; ++j, vb += vstride) {
            V vv[NVEC];
#pragma GCC unroll 8
            for (int x = 0; x < NVEC; ++x) {
                vv[x] = tail > 0 && x == NVEC - 1 ? load_in_masked<In>(mk, vb + x * L)
                                                  : load_in<In>(vb + x * L);
                if (pf && starts_line<In>(x * L)) __builtin_prefetch(vb + x * L + pf, 0, 1);
            }
#pragma GCC unroll 4
            for (int r = 0; r < NR; ++r) {
                const V pj = Vec::set1(p[r * L + j]);
#pragma GCC unroll 8
                for (int x = 0; x < NVEC; ++x) o[r][x] = Vec::fmadd(pj, vv[x], o[r][x]);
            }
        }
#pragma GCC unroll 4
        for (int r = 0; r < NR; ++r)
#pragma GCC unroll 8
            for (int x = 0; x < NVEC; ++x) Vec::storeu(o_io[r] + x * L, o[r][x]);
    }

    // Scores, online softmax and values for NR rows of one head against one block of keys; ks
    // and vs: the block's L key and value scales (int8 cache), else null.
    template <int NR, class In>
    static void row_block(const Row* rows, const In* kg, const In* vg, std::int64_t kstride,
                          std::int64_t vstride, std::int64_t D, std::int64_t Dv, std::int64_t dvp,
                          std::int64_t kpf, std::int64_t vpf, const float* ks, const float* vs) {
        int nvmax = 0;
        for (int r = 0; r < NR; ++r) nvmax = std::max(nvmax, rows[r].nv);
        V sc[NR];
        scores<NR>(rows, kg, kstride, D, nvmax, kpf, sc);
        if (ks)
            for (int r = 0; r < NR; ++r) sc[r] = Vec::mul(sc[r], Vec::load(ks));
        alignas(64) float p[NR * L];
        float alpha[NR];
        float* o_io[NR];
#pragma GCC unroll 4
        for (int r = 0; r < NR; ++r) {
            const auto valid = Vec::first(rows[r].nv);
            const V sv = Vec::select(valid, sc[r], Vec::set1(kNegInf));
            float* st = rows[r].st;
            const float m_old = st[dvp];
            const float m_new = std::max(m_old, Vec::hmax(sv));
            const V pv = Vec::select(valid, Vec::exp2(Vec::sub(sv, Vec::set1(m_new))), Vec::zero());
            Vec::store(p + r * L, vs ? Vec::mul(pv, Vec::load(vs)) : pv);
            alpha[r] = exp2_poly(m_old - m_new);  // m_old = -inf: l and O are still 0
            st[dvp] = m_new;
            st[dvp + 1] = st[dvp + 1] * alpha[r] + Vec::hsum(pv);
            o_io[r] = st;
        }
        constexpr int CV = NR == 4 ? 4 : 8;  // O vectors per row held in registers per pass
        for (std::int64_t c0 = 0; c0 < dvp; c0 += CV * L) {
            float* o_c[NR];
            for (int r = 0; r < NR; ++r) o_c[r] = o_io[r] + c0;
            const int nvec = int(std::min<std::int64_t>(CV, (dvp - c0) / L));
            const int tail = c0 + nvec * L > Dv ? int(Dv - (c0 + (nvec - 1) * L)) : 0;
            const In* vc = vg + c0;
            switch (nvec) {
                case 1:
                    values<NR, 1>(p, alpha, nvmax, vc, vstride, tail, vpf, o_c);
                    break;
                case 2:
                    values<NR, 2>(p, alpha, nvmax, vc, vstride, tail, vpf, o_c);
                    break;
                case 3:
                    values<NR, 3>(p, alpha, nvmax, vc, vstride, tail, vpf, o_c);
                    break;
                case 4:
                    values<NR, 4>(p, alpha, nvmax, vc, vstride, tail, vpf, o_c);
                    break;
                case 5:
                    values < NR, CV<5 ? CV : 5>(p, alpha, nvmax, vc, vstride, tail, vpf, o_c);
                    break;
                case 6:
                    values < NR, CV<6 ? CV : 6>(p, alpha, nvmax, vc, vstride, tail, vpf, o_c);
                    break;
                case 7:
                    values < NR, CV<7 ? CV : 7>(p, alpha, nvmax, vc, vstride, tail, vpf, o_c);
                    break;
                default:
                    values<NR, CV>(p, alpha, nvmax, vc, vstride, tail, vpf, o_c);
                    break;
            }
        }
    }

    // QIn: Q's storage; In: the K/V cache's.
    template <class QIn, class In>
    static void chunk(const DecodeArgs& a, std::int64_t b, std::int64_t c, float* ws) {
        const flops::AttentionShape& s = a.s;
        const std::int64_t D = s.head_dim, Dv = s.value_dim, dp = a.dp, dvp = a.dvp, G = s.kv_heads;
        const std::int64_t group = s.heads / G, Sq = s.seq_q, R = group * Sq;
        const std::int64_t jbeg = c * a.chunk_len,
                           jend = std::min<std::int64_t>(s.seq_k, jbeg + a.chunk_len);
        const std::int64_t pstride = decode_partial_stride(dvp), kstride = G * D, vstride = G * Dv;
        const In* K = static_cast<const In*>(a.k);
        const In* Vv = static_cast<const In*>(a.v);
        const QIn* Q = static_cast<const QIn*>(a.q);
        constexpr bool int8_kv = std::is_same_v<In, std::int8_t>;
        alignas(64) float ks[L], vs[L];

        // Rows x = h * Sq + i: scaled, zero-padded queries and the partial state.
        float* qs = ws;
        auto state = [&](std::int64_t x) {
            return a.partial + ((b * a.chunks + c) * s.heads * Sq + x) * pstride;
        };
        for (std::int64_t x = 0; x < s.heads * Sq; ++x) {
            float* dst = qs + x * dp;
            const QIn* src = Q + attn_offset(b, x % Sq, x / Sq, Sq, s.heads, D);
            for (std::int64_t d = 0; d < dp; ++d)
                dst[d] = d < D ? float(src[d]) * a.scale_log2 : 0.0f;
            float* st = state(x);
            for (std::int64_t y = 0; y < dvp; ++y) st[y] = 0.0f;
            st[dvp] = kNegInf;
            st[dvp + 1] = 0.0f;
        }
        for (std::int64_t jb = jbeg; jb < jend; jb += L) {
            const int nb = int(std::min<std::int64_t>(L, jend - jb));
            // Prefetch distance in elements: the same rows kPrefetchBlocks blocks ahead (0 near
            // the end of the chunk, where the next chunk's worker reads them anyway).
            const bool pf = jb + (kPrefetchBlocks + 1) * L <= jend;
            const std::int64_t kpf = pf ? kPrefetchBlocks * L * kstride : 0,
                               vpf = pf ? kPrefetchBlocks * L * vstride : 0;
            for (std::int64_t g = 0; g < G; ++g) {
                const In* kg = K + attn_offset(b, jb, g, s.seq_k, G, D);
                const In* vg = Vv + attn_offset(b, jb, g, s.seq_k, G, Dv);
                const float *ksp = nullptr, *vsp = nullptr;
                if constexpr (int8_kv) {  // scales [B, Sk, G]: lanes past the block's keys are 0
                    const std::int64_t at = (b * s.seq_k + jb) * G + g;
                    for (int j = 0; j < L; ++j) {
                        ks[j] = j < nb ? a.k_scale[at + j * G] : 0.0f;
                        vs[j] = j < nb ? a.v_scale[at + j * G] : 0.0f;
                    }
                    ksp = ks;
                    vsp = vs;
                }
                Row rows[kMaxRows];
                int n = 0;
                auto flush = [&] {
                    int r = 0;
                    if constexpr (kMaxRows >= 4)
                        for (; r + 4 <= n; r += 4)
                            row_block<4>(rows + r, kg, vg, kstride, vstride, D, Dv, dvp, kpf, vpf,
                                         ksp, vsp);
                    if constexpr (kMaxRows >= 2)
                        for (; r + 2 <= n; r += 2)
                            row_block<2>(rows + r, kg, vg, kstride, vstride, D, Dv, dvp, kpf, vpf,
                                         ksp, vsp);
                    for (; r < n; ++r)
                        row_block<1>(rows + r, kg, vg, kstride, vstride, D, Dv, dvp, kpf, vpf, ksp,
                                     vsp);
                    n = 0;
                };
                for (std::int64_t x = g * R; x < (g + 1) * R; ++x) {
                    const std::int64_t vis =
                        flops::attention_visible_keys(x % Sq, Sq, s.seq_k, s.causal);
                    const int nv = int(std::clamp<std::int64_t>(vis - jb, 0, nb));
                    if (nv == 0) continue;
                    rows[n++] = Row{qs + x * dp, state(x), nv};
                    if (n == kMaxRows) flush();
                }
                if (n > 0) flush();
            }
        }
    }

    static void entry(const DecodeArgs& a, std::int64_t b, std::int64_t c, float* ws) {
        switch (a.kv) {
            case KvCache::int8:
                if (a.bf16_in)
                    chunk<bf16, std::int8_t>(a, b, c, ws);
                else
                    chunk<float, std::int8_t>(a, b, c, ws);
                return;
            case KvCache::bf16:
                if (a.bf16_in)
                    chunk<bf16, bf16>(a, b, c, ws);
                else
                    chunk<float, bf16>(a, b, c, ws);
                return;
            case KvCache::same:
                break;
        }
        if (a.bf16_in)
            chunk<bf16, bf16>(a, b, c, ws);
        else
            chunk<float, float>(a, b, c, ws);
    }
};

}  // namespace flopmeter::attn
