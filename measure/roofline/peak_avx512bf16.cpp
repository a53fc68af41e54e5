// Peak probe for bf16 dot products (AVX-512 BF16): 16 chains of vdpbf16ps; each instruction
// does 32 bf16 multiply-adds into 16 fp32 lanes = 64 FLOPs, 1024 per iteration.
#include <immintrin.h>

#include "measure/roofline/peak.hpp"

namespace flopmeter {

namespace {
volatile float g_sink;
}

double peak_bf16_dot_avx512bf16(std::int64_t iters) {
    __m512 acc[16];
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(float(i));
    const __m512bh a = (__m512bh)_mm512_set1_epi32(0x3f803f80);  // (1.0, 1.0) as bf16 pairs
    const __m512bh b = (__m512bh)_mm512_set1_epi32(0x33d633d6);  // tiny values: no overflow
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
        for (int i = 0; i < 16; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
    }
    __m512 s = acc[0];
    for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
    float t[16];
    _mm512_storeu_ps(t, s);
    g_sink = t[0] + t[15];
    return double(iters) * 16 * 64;
}

}  // namespace flopmeter
