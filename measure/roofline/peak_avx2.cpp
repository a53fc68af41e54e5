// Peak probes on AVX2+FMA: 12 independent ymm FMA chains (16 ymm registers in all).
// fp32: 12 x 8 lanes x 2 = 192 FLOPs per iteration; fp64: 96.
#include <immintrin.h>

#include "measure/roofline/peak.hpp"

namespace flopmeter {

namespace {
volatile double g_sink;
}

double peak_fp32_fma_avx2(std::int64_t iters) {
    __m256 acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.5f + float(i));
    const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, a);
    }
    __m256 s = acc[0];
    for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    g_sink = out[0];
    return double(iters) * 12 * 8 * 2;
}

double peak_fp64_fma_avx2(std::int64_t iters) {
    __m256d acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_pd(0.5 + i);
    const __m256d m = _mm256_set1_pd(0.999999), a = _mm256_set1_pd(1e-7);
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_pd(acc[i], m, a);
    }
    __m256d s = acc[0];
    for (int i = 1; i < 12; ++i) s = _mm256_add_pd(s, acc[i]);
    double out[4];
    _mm256_storeu_pd(out, s);
    g_sink = out[0];
    return double(iters) * 12 * 4 * 2;
}

}  // namespace flopmeter
