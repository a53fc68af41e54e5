// AVX2 kernels (ymm, 16 registers, so tiles are MT <= 2 rows of x by NT <= 4 or 2 weight rows):
//  fp32 activations: 8 codes widened to fp32, dequantized with one FMA, FMA with x.
//  int8 activations: no vpdpbusd without VNNI, so the sign trick: vpmaddubsw(|x|, sign(x)*q)
//    on the signed codes (q in [-127, 127] or [-8, 7], |x| <= 127, so the int16 pair sums cannot
//    saturate), vpmaddwd with ones to int32, per-group scale in fp32. No offset compensation.
// F16C (vcvtph2ps) is used for the scales: every AVX2 CPU has it.
#include <immintrin.h>

#include <algorithm>

#include "kernels/quant/qgemm_tiles.hpp"

namespace flopmeter {

namespace {

inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

template <int BITS>
inline __m256i codes8(const std::uint8_t* row, std::int64_t c, int e0) {
    if constexpr (BITS == 8) {
        return _mm256_cvtepu8_epi32(
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + c * 128 + e0)));
    } else {
        const __m256i b = _mm256_cvtepu8_epi32(
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + c * 64 + (e0 & 63))));
        return e0 >= 64 ? _mm256_srli_epi32(b, 4) : _mm256_and_si256(b, _mm256_set1_epi32(0xf));
    }
}

inline float scale_of(const std::uint16_t* sc, std::int64_t c, int sub, std::int64_t group) {
    return _cvtsh_ss(group == 32 ? sc[c * 4 + sub] : sc[c * 128 / group]);
}

template <int BITS, int MT, int NT, bool G32>
struct Fp32Tile {
    static void run(const QGemmArgs& a, std::int64_t m0, std::int64_t n0) {
        __m256 acc[MT][NT];
        for (int i = 0; i < MT; ++i)
            for (int j = 0; j < NT; ++j) acc[i][j] = _mm256_setzero_ps();
        const float off = float(quant_offset(BITS));
        const std::int64_t chunks = a.k / 128;
        for (std::int64_t c = 0; c < chunks; ++c)
            for (int sub = 0; sub < 4; ++sub) {
                float d[NT];
                for (int j = 0; j < NT; ++j)
                    d[j] = scale_of(a.scales + (n0 + j) * a.groups, c, G32 ? sub : 0, a.group);
                for (int e0 = sub * 32; e0 < sub * 32 + 32; e0 += 8) {
                    __m256 wf[NT];
                    for (int j = 0; j < NT; ++j)
                        wf[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(codes8<BITS>(
                                                    a.codes + (n0 + j) * a.row_bytes, c, e0)),
                                                _mm256_set1_ps(d[j]), _mm256_set1_ps(-off * d[j]));
                    for (int i = 0; i < MT; ++i) {
                        const __m256 xv = _mm256_loadu_ps(a.x + (m0 + i) * a.ldx + c * 128 + e0);
                        for (int j = 0; j < NT; ++j)
                            acc[i][j] = _mm256_fmadd_ps(xv, wf[j], acc[i][j]);
                    }
                }
            }
        for (int i = 0; i < MT; ++i)
            for (int j = 0; j < NT; ++j) a.y[(m0 + i) * a.ldy + n0 + j] = hsum8(acc[i][j]);
    }
};

// The 32 signed codes of sub-block `sub` (elements 32*sub .. 32*sub + 31) of chunk c.
template <int BITS>
inline __m256i signed_codes32(const std::uint8_t* row, std::int64_t c, int sub) {
    if constexpr (BITS == 8) {
        const __m256i u =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + c * 128 + sub * 32));
        return _mm256_xor_si256(u, _mm256_set1_epi8(char(0x80)));
    } else {
        const __m256i v =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + c * 64 + (sub & 1) * 32));
        const __m256i nib = sub >= 2
                                ? _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0f))
                                : _mm256_and_si256(v, _mm256_set1_epi8(0x0f));
        return _mm256_sub_epi8(nib, _mm256_set1_epi8(8));
    }
}

template <int BITS, int MT, int NT, bool G32>
struct Int8Tile {
    static void run(const QGemmArgs& a, std::int64_t m0, std::int64_t n0) {
        __m256 acc[MT][NT];
        __m256i iacc[MT][NT];
        for (int i = 0; i < MT; ++i)
            for (int j = 0; j < NT; ++j) {
                acc[i][j] = _mm256_setzero_ps();
                iacc[i][j] = _mm256_setzero_si256();
            }
        const __m256i ones = _mm256_set1_epi16(1);
        const std::int64_t chunks = a.k / 128;
        const std::int64_t chunks_per_group = G32 ? 1 : a.group / 128;
        for (std::int64_t c = 0; c < chunks; ++c) {
            for (int sub = 0; sub < 4; ++sub) {
                __m256i w[NT];
                float sw[NT];
                for (int j = 0; j < NT; ++j) {
                    w[j] = signed_codes32<BITS>(a.codes + (n0 + j) * a.row_bytes, c, sub);
                    if constexpr (G32)
                        sw[j] = _cvtsh_ss(a.scales[(n0 + j) * a.groups + c * 4 + sub]);
                }
                for (int i = 0; i < MT; ++i) {
                    const std::int64_t r = m0 + i;
                    const __m256i xv = _mm256_loadu_si256(
                        reinterpret_cast<const __m256i*>(a.xq + r * a.k + c * 128 + sub * 32));
                    const __m256i ax = _mm256_abs_epi8(xv);
                    for (int j = 0; j < NT; ++j) {
                        const __m256i p = _mm256_madd_epi16(
                            _mm256_maddubs_epi16(ax, _mm256_sign_epi8(w[j], xv)), ones);
                        if constexpr (G32) {
                            const float s = sw[j] * a.xs[r * a.groups + c * 4 + sub];
                            acc[i][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(s),
                                                        acc[i][j]);
                        } else {
                            iacc[i][j] = _mm256_add_epi32(iacc[i][j], p);
                        }
                    }
                }
            }
            if constexpr (!G32) {
                if ((c + 1) % chunks_per_group == 0) {
                    const std::int64_t g = c / chunks_per_group;
                    for (int j = 0; j < NT; ++j) {
                        const float sw = _cvtsh_ss(a.scales[(n0 + j) * a.groups + g]);
                        for (int i = 0; i < MT; ++i) {
                            const float s = sw * a.xs[(m0 + i) * a.groups + g];
                            acc[i][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(iacc[i][j]),
                                                        _mm256_set1_ps(s), acc[i][j]);
                            iacc[i][j] = _mm256_setzero_si256();
                        }
                    }
                }
            }
        }
        for (int i = 0; i < MT; ++i)
            for (int j = 0; j < NT; ++j) a.y[(m0 + i) * a.ldy + n0 + j] = hsum8(acc[i][j]);
    }
};

}  // namespace

void qgemm_fp32act_avx2(const QGemmArgs& a, std::int64_t n0, std::int64_t n1) {
    qtiles::run_tiles<Fp32Tile, 2, 4>(a, n0, n1);
}

void qgemm_int8act_avx2(const QGemmArgs& a, std::int64_t n0, std::int64_t n1) {
    qtiles::run_tiles<Int8Tile, 2, 2>(a, n0, n1);
}

void quantize_acts_avx2(const float* x, std::int64_t ldx, QuantActs& a, int weight_bits,
                        std::int64_t r0, std::int64_t r1) {
    const float off = float(quant_offset(weight_bits));
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (std::int64_t r = r0; r < r1; ++r)
        for (std::int64_t g = 0; g < a.groups(); ++g) {
            const float* src = x + r * ldx + g * a.group;
            std::int8_t* q = a.q.as<std::int8_t>() + r * a.k + g * a.group;
            __m256 mx = _mm256_setzero_ps();
            for (std::int64_t i = 0; i < a.group; i += 8)
                mx = _mm256_max_ps(mx, _mm256_and_ps(_mm256_loadu_ps(src + i), absmask));
            alignas(32) float m8[8];
            _mm256_store_ps(m8, mx);
            const float d = *std::max_element(m8, m8 + 8) / 127.0f;
            const float id = d > 0 ? 1.0f / d : 0.0f;
            const __m256 vid = _mm256_set1_ps(id);
            __m256i sum = _mm256_setzero_si256();
            for (std::int64_t i = 0; i < a.group; i += 8) {
                __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + i), vid));
                v = _mm256_max_epi32(_mm256_min_epi32(v, _mm256_set1_epi32(127)),
                                     _mm256_set1_epi32(-127));
                sum = _mm256_add_epi32(sum, v);
                alignas(32) std::int32_t t[8];
                _mm256_store_si256(reinterpret_cast<__m256i*>(t), v);
                for (int l = 0; l < 8; ++l) q[i + l] = std::int8_t(t[l]);
            }
            alignas(32) std::int32_t s8[8];
            _mm256_store_si256(reinterpret_cast<__m256i*>(s8), sum);
            std::int32_t s = 0;
            for (int l = 0; l < 8; ++l) s += s8[l];
            a.scale.as<float>()[r * a.groups() + g] = d;
            a.comp.as<float>()[r * a.groups() + g] = off * d * float(s);
            a.group_bias.as<std::int32_t>()[r * a.groups() + g] = -quant_offset(weight_bits) * s;
        }
}

}  // namespace flopmeter
