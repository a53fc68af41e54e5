// Peak probe for int8 dot products (AVX-512 VNNI): 16 chains of vpdpbusd; each instruction
// does 64 u8 x s8 multiply-adds into 16 int32 lanes = 128 integer ops, 2048 per iteration.
#include <immintrin.h>

#include "measure/roofline/peak.hpp"

namespace flopmeter {

namespace {
volatile int g_sink;
}

double peak_int8_dot_avx512vnni(std::int64_t iters) {
    __m512i acc[16];
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_epi32(i);
    const __m512i a = _mm512_set1_epi8(1), b = _mm512_set1_epi8(1);
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
        for (int i = 0; i < 16; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    }
    __m512i s = acc[0];
    for (int i = 1; i < 16; ++i) s = _mm512_add_epi32(s, acc[i]);
    int t[16];
    _mm512_storeu_si512(t, s);
    g_sink = t[0] + t[15];
    return double(iters) * 16 * 128;
}

}  // namespace flopmeter
