// Peak probes on AVX-512F: 16 independent zmm FMA chains (latency 4 x 2 pipes = 8 needed on
// the widest current cores; 16 leaves margin), operands in registers only.
// fp32: 16 chains x 16 lanes x 2 = 512 FLOPs per iteration; fp64: 256.
#include <immintrin.h>

#include "measure/roofline/peak.hpp"

namespace flopmeter {

namespace {
template <class V, class Fma, class Reduce>
double fma_chains(std::int64_t iters, V init, V mul, V add, Fma fma, Reduce reduce) {
    V acc[16];
    for (int i = 0; i < 16; ++i) acc[i] = init;
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 16
        for (int i = 0; i < 16; ++i) acc[i] = fma(acc[i], mul, add);
    }
    V s = acc[0];
    for (int i = 1; i < 16; ++i) s = fma(s, mul, acc[i]);
    return reduce(s);
}
volatile double g_sink;
}  // namespace

double peak_fp32_fma_avx512(std::int64_t iters) {
    g_sink = fma_chains(
        iters, _mm512_set1_ps(0.5f), _mm512_set1_ps(0.999999f), _mm512_set1_ps(1e-7f),
        [](__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); },
        [](__m512 v) {
            float t[16];
            _mm512_storeu_ps(t, v);
            return double(t[0]) + t[15];
        });
    return double(iters) * 16 * 16 * 2;
}

double peak_fp64_fma_avx512(std::int64_t iters) {
    g_sink = fma_chains(
        iters, _mm512_set1_pd(0.5), _mm512_set1_pd(0.999999), _mm512_set1_pd(1e-7),
        [](__m512d a, __m512d b, __m512d c) { return _mm512_fmadd_pd(a, b, c); },
        [](__m512d v) {
            double t[8];
            _mm512_storeu_pd(t, v);
            return t[0] + t[7];
        });
    return double(iters) * 16 * 8 * 2;
}

}  // namespace flopmeter
