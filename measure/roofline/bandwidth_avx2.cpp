// Bandwidth loops with 256-bit loads and stores (AVX2+FMA).
#include <immintrin.h>

#include "measure/roofline/bandwidth.hpp"
#include "measure/roofline/bandwidth_body.hpp"

namespace flopmeter {

namespace {
struct V256 {
    using V = __m256d;
    static constexpr int lanes = 4;
    static V zero() { return _mm256_setzero_pd(); }
    static V set1(double x) { return _mm256_set1_pd(x); }
    static V load(const double* p) { return _mm256_load_pd(p); }
    static void store(double* p, V v) { _mm256_store_pd(p, v); }
    static V add(V a, V b) { return _mm256_add_pd(a, b); }
    static V fmadd(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
    static double sum(V v) {
        double t[4];
        _mm256_storeu_pd(t, v);
        return t[0] + t[1] + t[2] + t[3];
    }
};
}  // namespace

const BwKernels& bw_kernels_avx2() {
    static const BwKernels k{"avx2", bw_read_body<V256>, bw_write_body<V256>, bw_copy_body<V256>,
                             bw_triad_body<V256>};
    return k;
}

}  // namespace flopmeter
