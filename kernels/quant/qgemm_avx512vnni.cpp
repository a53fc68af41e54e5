// AVX-512 VNNI kernel for int8 activations: vpdpbusd multiplies the stored (unsigned, offset)
// codes by the signed int8 activations, 64 products per instruction into 16 int32 lanes.
// Per 128-element chunk a weight row is one 64-byte load (int4: low nibbles = elements 0..63,
// high = 64..127) or two (int8). The codes' offset (8 or 128):
//   group 32:  each dot product starts from the activations' lane bias -off * sum(x_q) of its
//              4 codes (QuantActs::lane_bias, integer, exact), so no compensation is needed;
//              each chunk's four groups are scaled separately: lanes 0-7 and 8-15 of a dot
//              product are two groups, their scales d_w * d_x spread by vpermps.
//   group 128k: int32 accumulators run over the whole group, then one convert and one FMA;
//              the offset leaves through the per-group compensation off * d_x * sum(x_q).
// Tile: MT <= 4 rows of x by NT <= 4 weight rows; M = 1: one row by NT <= 8 weight rows.
// GCC 12.2 (before 12.3, PR105593) reports -W(maybe-)uninitialized inside the AVX-512 headers'
// own _mm512_undefined_* passthroughs; silenced for the intrinsic header only (as in
// kernels/attention/attn_vec_avx512.hpp). It must be the first include of immintrin.h here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "kernels/quant/qgemm_tiles.hpp"

namespace flopmeter {

namespace {

// Weight rows per tile at M = 1 (16 measured no faster than 8, cold).
constexpr int kDecodeRows = 8;

template <int BITS>
inline void load_codes(const std::uint8_t* row, std::int64_t c, __m512i& w0, __m512i& w1) {
    if constexpr (BITS == 8) {
        w0 = _mm512_loadu_si512(row + c * 128);
        w1 = _mm512_loadu_si512(row + c * 128 + 64);
    } else {
        const __m512i v = _mm512_loadu_si512(row + c * 64);
        const __m512i lo = _mm512_set1_epi8(0x0f);
        w0 = _mm512_and_si512(v, lo);
        w1 = _mm512_and_si512(_mm512_srli_epi16(v, 4), lo);
    }
}

// The four horizontal sums of a, b, c, d in one transpose tree (13 instructions instead of
// four separate reductions' ~32): what a tile's 16 outputs cost over a short K.
inline __m128 reduce4(__m512 a, __m512 b, __m512 c, __m512 d) {
    // per 128-bit lane: [a0+a2, b0+b2, a1+a3, b1+b3] and the same for c, d
    const __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
    const __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
    // per 128-bit lane: [a, b, c, d] partial sums
    const __m512d abd = _mm512_castps_pd(ab), cdd = _mm512_castps_pd(cd);
    const __m512 s = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(abd, cdd)),
                                   _mm512_castpd_ps(_mm512_unpackhi_pd(abd, cdd)));
    const __m256 h =
        _mm256_add_ps(_mm512_castps512_ps256(s),
                      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1)));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

template <int BITS, int MT, int NT, bool G32>
struct VnniTile {
    static void run(const QGemmArgs& a, std::int64_t m0, std::int64_t n0) {
        __m512 acc[MT][NT];
        __m512i iacc[MT][NT];
        float comp[MT][NT];
        for (int i = 0; i < MT; ++i)
            for (int j = 0; j < NT; ++j) {
                acc[i][j] = _mm512_setzero_ps();
                iacc[i][j] = _mm512_setzero_si512();
                comp[i][j] = 0;
            }
        const std::uint8_t* rows[NT];
        const std::uint16_t* sc[NT];
        for (int j = 0; j < NT; ++j) {
            rows[j] = a.codes + (n0 + j) * a.row_bytes;
            sc[j] = a.scales + (n0 + j) * a.groups;
        }
        const __m512i idx0 = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
        const __m512i idx1 = _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2);
        const std::int64_t chunks = a.k / 128;
        const std::int64_t chunks_per_group = G32 ? 1 : a.group / 128;
        std::int64_t left_in_group = chunks_per_group;  // a counter, not a division per chunk
        for (std::int64_t c = 0; c < chunks; ++c) {
            __m512i w0[NT], w1[NT];
            for (int j = 0; j < NT; ++j) load_codes<BITS>(rows[j], c, w0[j], w1[j]);
            if constexpr (MT == 1 && NT == kDecodeRows && BITS == 4) {
                // Decode, int4: the next tile's rows (the next NT * row_bytes contiguous
                // bytes), one line per row per chunk, fetched while this tile computes; 2 KB
                // rows are too short for the hardware prefetcher to run ahead of 8 interleaved
                // streams. (For int8 the same measured 19-22% slower: not done.)
                for (int j = 0; j < NT; ++j)
                    _mm_prefetch(reinterpret_cast<const char*>(rows[j] + NT * a.row_bytes) + c * 64,
                                 _MM_HINT_T0);
            }
            if constexpr (G32) {
                __m128 sw4[NT];
                for (int j = 0; j < NT; ++j)
                    sw4[j] = _mm_cvtph_ps(
                        _mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc[j] + c * 4)));
                for (int i = 0; i < MT; ++i) {
                    const std::int64_t r = m0 + i;
                    const __m128 xs4 = _mm_loadu_ps(a.xs + r * a.groups + c * 4);
                    const __m512i x0 = _mm512_loadu_si512(a.xq + r * a.k + c * 128);
                    const __m512i x1 = _mm512_loadu_si512(a.xq + r * a.k + c * 128 + 64);
                    // The offset's share, -off * sum(x_q) per lane: each dot product starts
                    // from it, so no per-group compensation is needed (integer, exact).
                    const __m512i b0 = _mm512_loadu_si512(a.xb + r * (a.k / 4) + c * 32);
                    const __m512i b1 = _mm512_loadu_si512(a.xb + r * (a.k / 4) + c * 32 + 16);
                    for (int j = 0; j < NT; ++j) {
                        const __m512 sd = _mm512_castps128_ps512(_mm_mul_ps(sw4[j], xs4));
                        const __m512i d0 = _mm512_dpbusd_epi32(b0, w0[j], x0);
                        const __m512i d1 = _mm512_dpbusd_epi32(b1, w1[j], x1);
                        acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d0),
                                                    _mm512_permutexvar_ps(idx0, sd), acc[i][j]);
                        acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d1),
                                                    _mm512_permutexvar_ps(idx1, sd), acc[i][j]);
                    }
                }
            } else {
                for (int i = 0; i < MT; ++i) {
                    const std::int64_t r = m0 + i;
                    const __m512i x0 = _mm512_loadu_si512(a.xq + r * a.k + c * 128);
                    const __m512i x1 = _mm512_loadu_si512(a.xq + r * a.k + c * 128 + 64);
                    for (int j = 0; j < NT; ++j) {
                        iacc[i][j] = _mm512_dpbusd_epi32(iacc[i][j], w0[j], x0);
                        iacc[i][j] = _mm512_dpbusd_epi32(iacc[i][j], w1[j], x1);
                    }
                }
                if (--left_in_group == 0) {
                    left_in_group = chunks_per_group;
                    const std::int64_t g = c / chunks_per_group;
                    for (int j = 0; j < NT; ++j) {
                        const float sw = _cvtsh_ss(sc[j][g]);
                        for (int i = 0; i < MT; ++i) {
                            const std::int64_t r = m0 + i;
                            const float s = sw * a.xs[r * a.groups + g];
                            acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(iacc[i][j]),
                                                        _mm512_set1_ps(s), acc[i][j]);
                            comp[i][j] += sw * a.xc[r * a.groups + g];
                            iacc[i][j] = _mm512_setzero_si512();
                        }
                    }
                }
            }
        }
        for (int i = 0; i < MT; ++i) {
            float* yr = a.y + (m0 + i) * a.ldy + n0;
            if constexpr (NT % 4 == 0) {
                for (int j = 0; j < NT; j += 4)
                    _mm_storeu_ps(yr + j, _mm_sub_ps(reduce4(acc[i][j], acc[i][j + 1],
                                                             acc[i][j + 2], acc[i][j + 3]),
                                                     _mm_loadu_ps(comp[i] + j)));
            } else {
                for (int j = 0; j < NT; ++j) yr[j] = _mm512_reduce_add_ps(acc[i][j]) - comp[i][j];
            }
        }
    }
};

}  // namespace

void qgemm_int8act_avx512vnni(const QGemmArgs& a, std::int64_t n0, std::int64_t n1) {
    // A single row of x (decode) streams its weights from DRAM once: more weight rows per tile
    // keep more lines in flight (cold, 8 rows measured 19-29% faster than 4 on this machine).
    if (a.m == 1)
        qtiles::run_tiles<VnniTile, 1, kDecodeRows>(a, n0, n1);
    else
        qtiles::run_tiles<VnniTile, 4, 4>(a, n0, n1);
}

}  // namespace flopmeter
