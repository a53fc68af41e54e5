// AVX-512 kernel for fp32 activations: each 16 codes are widened to fp32 and dequantized with
// one FMA (d*u - d*offset), then multiplied into MT x NT zmm accumulators (MT <= 4 rows of x,
// NT <= 4 weight rows), reduced horizontally once per output. Also the AVX-512 activation
// quantizer of the int8 variant (bit-identical to quantize_acts_generic).
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

// 16 codes starting at element e0 (multiple of 16) of chunk c, widened to int32.
template <int BITS>
inline __m512i codes16(const std::uint8_t* row, std::int64_t c, int e0) {
    if constexpr (BITS == 8) {
        return _mm512_cvtepu8_epi32(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + c * 128 + e0)));
    } else {
        const __m512i b = _mm512_cvtepu8_epi32(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + c * 64 + (e0 & 63))));
        return e0 >= 64 ? _mm512_srli_epi32(b, 4) : _mm512_and_si512(b, _mm512_set1_epi32(0xf));
    }
}

template <int BITS, int MT, int NT, bool G32>
struct Fp32Tile {
    static void run(const QGemmArgs& a, std::int64_t m0, std::int64_t n0) {
        __m512 acc[MT][NT];
        for (int i = 0; i < MT; ++i)
            for (int j = 0; j < NT; ++j) acc[i][j] = _mm512_setzero_ps();
        const std::uint8_t* rows[NT];
        const std::uint16_t* sc[NT];
        for (int j = 0; j < NT; ++j) {
            rows[j] = a.codes + (n0 + j) * a.row_bytes;
            sc[j] = a.scales + (n0 + j) * a.groups;
        }
        const float off = float(quant_offset(BITS));
        const std::int64_t chunks = a.k / 128;
        for (std::int64_t c = 0; c < chunks; ++c) {
            float d[NT][4];
            for (int j = 0; j < NT; ++j) {
                if constexpr (G32) {
                    _mm_storeu_ps(d[j], _mm_cvtph_ps(_mm_loadl_epi64(
                                            reinterpret_cast<const __m128i*>(sc[j] + c * 4))));
                } else {
                    const float s = _cvtsh_ss(sc[j][c * 128 / a.group]);
                    d[j][0] = d[j][1] = d[j][2] = d[j][3] = s;
                }
            }
            for (int e0 = 0; e0 < 128; e0 += 16) {
                __m512 wf[NT];
                for (int j = 0; j < NT; ++j) {
                    const float s = d[j][e0 / 32];
                    wf[j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(codes16<BITS>(rows[j], c, e0)),
                                            _mm512_set1_ps(s), _mm512_set1_ps(-off * s));
                }
                for (int i = 0; i < MT; ++i) {
                    const __m512 xv = _mm512_loadu_ps(a.x + (m0 + i) * a.ldx + c * 128 + e0);
                    for (int j = 0; j < NT; ++j) acc[i][j] = _mm512_fmadd_ps(xv, wf[j], acc[i][j]);
                }
            }
        }
        for (int i = 0; i < MT; ++i)
            for (int j = 0; j < NT; ++j)
                a.y[(m0 + i) * a.ldy + n0 + j] = _mm512_reduce_add_ps(acc[i][j]);
    }
};

}  // namespace

void qgemm_fp32act_avx512(const QGemmArgs& a, std::int64_t n0, std::int64_t n1) {
    qtiles::run_tiles<Fp32Tile, 4, 4>(a, n0, n1);
}

void quantize_acts_avx512(const float* x, std::int64_t ldx, QuantActs& a, int weight_bits,
                          std::int64_t r0, std::int64_t r1) {
    const float off = float(quant_offset(weight_bits));
    const __m512 absmask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
    for (std::int64_t r = r0; r < r1; ++r)
        for (std::int64_t g = 0; g < a.groups(); ++g) {
            const float* src = x + r * ldx + g * a.group;
            std::int8_t* q = a.q.as<std::int8_t>() + r * a.k + g * a.group;
            __m512 mx = _mm512_setzero_ps();
            for (std::int64_t i = 0; i < a.group; i += 16)
                mx = _mm512_max_ps(mx, _mm512_and_ps(_mm512_loadu_ps(src + i), absmask));
            const float d = _mm512_reduce_max_ps(mx) / 127.0f;
            const float id = d > 0 ? 1.0f / d : 0.0f;
            const __m512 vid = _mm512_set1_ps(id);
            __m512i sum = _mm512_setzero_si512();
            for (std::int64_t i = 0; i < a.group; i += 16) {
                __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(src + i), vid));
                v = _mm512_max_epi32(_mm512_min_epi32(v, _mm512_set1_epi32(127)),
                                     _mm512_set1_epi32(-127));
                sum = _mm512_add_epi32(sum, v);
                _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm512_cvtepi32_epi8(v));
            }
            a.scale.as<float>()[r * a.groups() + g] = d;
            const std::int32_t s = _mm512_reduce_add_epi32(sum);
            a.comp.as<float>()[r * a.groups() + g] = off * d * float(s);
            a.group_bias.as<std::int32_t>()[r * a.groups() + g] = -quant_offset(weight_bits) * s;
        }
}

}  // namespace flopmeter
