// AVX2+FMA vector traits for the attention kernel bodies (same interface as attn_vec_avx512.hpp).
// Masks are vectors of all-ones lanes; 2^n is built in the exponent bits, so exp2 clamps its
// input at -126 (results below 1.2e-38 are not produced; masked lanes are zeroed explicitly).
// Include only from files compiled with AVX2 flags.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "core/bf16.hpp"
#include "kernels/attention/attn_exp2.hpp"

namespace flopmeter::attn {

struct VecAvx2 {
    using V = __m256;
    using M = __m256i;
    static constexpr int lanes = 8;
    static constexpr const char* isa = "avx2";
    static constexpr int decode_rows = 2;  // query rows per decode register block

    static V zero() { return _mm256_setzero_ps(); }
    static V set1(float x) { return _mm256_set1_ps(x); }
    static V load(const float* p) { return _mm256_load_ps(p); }
    static V loadu(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, V v) { _mm256_store_ps(p, v); }
    static void storeu(float* p, V v) { _mm256_storeu_ps(p, v); }
    static V load_bf16(const bf16* p) {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
    static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
    static V max(V a, V b) { return _mm256_max_ps(a, b); }
    static float hmax(V v) {
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
        return _mm_cvtss_f32(m);
    }
    static float hsum(V v) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
        return _mm_cvtss_f32(s);
    }

    static M first(int n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    static V maskz_loadu(M m, const float* p) { return _mm256_maskload_ps(p, m); }
    static V maskz_load_bf16(M m, const bf16* p) {
        alignas(32) std::uint16_t tmp[8] = {};
        alignas(32) std::int32_t mk[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(mk), m);
        for (int i = 0; i < 8; ++i)
            if (mk[i]) tmp[i] = p[i].bits;
        return load_bf16(reinterpret_cast<const bf16*>(tmp));
    }
    static V load_i8(const std::int8_t* p) {
        return _mm256_cvtepi32_ps(
            _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
    }
    static V maskz_load_i8(M m, const std::int8_t* p) {
        alignas(16) std::int8_t tmp[16] = {};
        alignas(32) std::int32_t mk[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(mk), m);
        for (int i = 0; i < 8; ++i)
            if (mk[i]) tmp[i] = p[i];
        return load_i8(tmp);
    }
    static void mask_storeu(float* p, M m, V v) { _mm256_maskstore_ps(p, m, v); }
    static V select(M m, V a, V b) { return _mm256_blendv_ps(b, a, _mm256_castsi256_ps(m)); }

    static V exp2(V x) {
        x = _mm256_max_ps(x, _mm256_set1_ps(-126.0f));
        x = _mm256_min_ps(x, _mm256_set1_ps(64.0f));
        const V n = _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const V f = _mm256_sub_ps(x, n);
        V p = _mm256_set1_ps(kExp2C5);
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C4));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C3));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C2));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C1));
        p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(kExp2C0));
        const __m256i e =
            _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
        return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    }

    // Lane j of the result = sum of the lanes of acc[j] (8 x 8 transpose folded into hadds).
    static V transpose_sum(const V* acc) {
        const V t0 = _mm256_hadd_ps(acc[0], acc[1]), t1 = _mm256_hadd_ps(acc[2], acc[3]);
        const V t2 = _mm256_hadd_ps(acc[4], acc[5]), t3 = _mm256_hadd_ps(acc[6], acc[7]);
        const V u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
        // u0 = [s0 s1 s2 s3 | s0 s1 s2 s3] halves (low / high 128 partials), u1 likewise for 4..7
        return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20),
                             _mm256_permute2f128_ps(u0, u1, 0x31));
    }

    // NR vectors of NR rows x 8/NR columns each into one vector of 8 columns per row.
    template <int NR>
    static void regroup(const V* sums, V* rows) {
        if constexpr (NR == 1) {
            rows[0] = sums[0];
        } else {
            static_assert(NR == 2, "register blocks of 1 or 2 rows");
            rows[0] = _mm256_permute2f128_ps(sums[0], sums[1], 0x20);
            rows[1] = _mm256_permute2f128_ps(sums[0], sums[1], 0x31);
        }
    }
};

}  // namespace flopmeter::attn
