// AVX-512 vector traits for the attention kernel bodies: fp32 arithmetic, bf16 widening loads,
// lane masks for ragged tails, horizontal reductions and a polynomial exp2.
// Include only from files compiled with AVX-512 flags.
#pragma once

// GCC 12.2 (before 12.3, PR105593) reports -W(maybe-)uninitialized inside the AVX-512 headers'
// own _mm512_undefined_* passthroughs when they inline into these kernels; the false positive
// is silenced for the intrinsic headers only. This header must be the first to include them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "core/bf16.hpp"
#include "kernels/attention/attn_exp2.hpp"

namespace flopmeter::attn {

struct VecAvx512 {
    using V = __m512;
    using M = __mmask16;
    static constexpr int lanes = 16;
    static constexpr const char* isa = "avx512";
    static constexpr int decode_rows = 4;  // query rows per decode register block

    static V zero() { return _mm512_setzero_ps(); }
    static V set1(float x) { return _mm512_set1_ps(x); }
    static V load(const float* p) { return _mm512_load_ps(p); }
    static V loadu(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, V v) { _mm512_store_ps(p, v); }
    static void storeu(float* p, V v) { _mm512_storeu_ps(p, v); }
    // 16 bf16 values widened to fp32 (exact: bf16 is the top half of an fp32).
    static V load_bf16(const bf16* p) {
        const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    // 16 int8 codes widened to fp32 (exact).
    static V load_i8(const std::int8_t* p) {
        return _mm512_cvtepi32_ps(
            _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
    }
    static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
    static V max(V a, V b) { return _mm512_max_ps(a, b); }
    static float hmax(V v) { return _mm512_reduce_max_ps(v); }
    static float hsum(V v) { return _mm512_reduce_add_ps(v); }

    // Lanes [0, n) set (n may exceed the lane count).
    static M first(int n) { return n >= lanes ? M(0xffff) : M((1u << (n < 0 ? 0 : n)) - 1u); }
    static V maskz_loadu(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
    static V maskz_load_bf16(M m, const bf16* p) {
        const __m256i h = _mm256_maskz_loadu_epi16(m, p);
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    static V maskz_load_i8(M m, const std::int8_t* p) {
        return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, p)));
    }
    static void mask_storeu(float* p, M m, V v) { _mm512_mask_storeu_ps(p, m, v); }
    static V select(M m, V a, V b) { return _mm512_mask_blend_ps(m, b, a); }  // m ? a : b

    // 2^x for x <= 64 (inputs are scores minus their running maximum): x = n + f with n an
    // integer and |f| <= 1/2, 2^f from a degree-5 polynomial (attn_exp2.hpp), scaled by 2^n with
    // vscalefps, which also underflows to 0 cleanly (x is clamped at -150, -inf included).
    static V exp2(V x) {
        x = _mm512_max_ps(x, _mm512_set1_ps(-150.0f));
        x = _mm512_min_ps(x, _mm512_set1_ps(64.0f));
        const V n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const V f = _mm512_sub_ps(x, n);
        V p = _mm512_set1_ps(kExp2C5);
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C4));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C3));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C2));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C1));
        p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(kExp2C0));
        return _mm512_scalef_ps(p, n);
    }

    // Lane j of the result = sum of the lanes of acc[j] (a 16 x 16 transpose folded into the
    // additions: 30 shuffles and 15 adds plus one permute for 16 sums).
    static V transpose_sum(const V* acc) {
        V x[8], y[4], z[2];
        for (int k = 0; k < 8;
             ++k) {  // 128-bit quarters: lanes 0-7 partials of acc[2k], 8-15 of acc[2k+1]
            const V lo = _mm512_shuffle_f32x4(acc[2 * k], acc[2 * k + 1], 0x44);
            const V hi = _mm512_shuffle_f32x4(acc[2 * k], acc[2 * k + 1], 0xEE);
            x[k] = _mm512_add_ps(lo, hi);
        }
        for (int k = 0; k < 4; ++k) {  // quarter q of y[k]: 4 partials of acc[4k + q]
            const V lo = _mm512_shuffle_f32x4(x[2 * k], x[2 * k + 1], 0x88);
            const V hi = _mm512_shuffle_f32x4(x[2 * k], x[2 * k + 1], 0xDD);
            y[k] = _mm512_add_ps(lo, hi);
        }
        for (int k = 0; k < 2;
             ++k) {  // quarter q of z[k]: 2 partials of acc[8k + q], 2 of acc[8k + 4 + q]
            const V lo = _mm512_shuffle_ps(y[2 * k], y[2 * k + 1], _MM_SHUFFLE(2, 0, 2, 0));
            const V hi = _mm512_shuffle_ps(y[2 * k], y[2 * k + 1], _MM_SHUFFLE(3, 1, 3, 1));
            z[k] = _mm512_add_ps(lo, hi);
        }
        const V lo = _mm512_shuffle_ps(z[0], z[1], _MM_SHUFFLE(2, 0, 2, 0));
        const V hi = _mm512_shuffle_ps(z[0], z[1], _MM_SHUFFLE(3, 1, 3, 1));
        const V w = _mm512_add_ps(lo, hi);  // lane 4p + q holds the sum of acc[4q + p]
        const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        return _mm512_permutexvar_ps(idx, w);
    }

    // NR vectors of NR rows x 16/NR columns each (lane r*16/NR + j of sums[k] = row r, column
    // k*16/NR + j) into one vector of 16 columns per row.
    template <int NR>
    static void regroup(const V* sums, V* rows) {
        if constexpr (NR == 1) {
            rows[0] = sums[0];
        } else if constexpr (NR == 2) {
            rows[0] = _mm512_shuffle_f32x4(sums[0], sums[1], 0x44);
            rows[1] = _mm512_shuffle_f32x4(sums[0], sums[1], 0xEE);
        } else {
            static_assert(NR == 4, "register blocks of 1, 2 or 4 rows");
            const V t0 = _mm512_shuffle_f32x4(sums[0], sums[1], 0x44),
                    t1 = _mm512_shuffle_f32x4(sums[0], sums[1], 0xEE);
            const V t2 = _mm512_shuffle_f32x4(sums[2], sums[3], 0x44),
                    t3 = _mm512_shuffle_f32x4(sums[2], sums[3], 0xEE);
            rows[0] = _mm512_shuffle_f32x4(t0, t2, 0x88);
            rows[1] = _mm512_shuffle_f32x4(t0, t2, 0xDD);
            rows[2] = _mm512_shuffle_f32x4(t1, t3, 0x88);
            rows[3] = _mm512_shuffle_f32x4(t1, t3, 0xDD);
        }
    }
};

}  // namespace flopmeter::attn
