// Bandwidth loops with 512-bit loads and stores (AVX-512F).
#include <immintrin.h>

#include "measure/roofline/bandwidth.hpp"
#include "measure/roofline/bandwidth_body.hpp"

namespace flopmeter {

namespace {
struct V512 {
    using V = __m512d;
    static constexpr int lanes = 8;
    static V zero() { return _mm512_setzero_pd(); }
    static V set1(double x) { return _mm512_set1_pd(x); }
    static V load(const double* p) { return _mm512_load_pd(p); }
    static void store(double* p, V v) { _mm512_store_pd(p, v); }
    static V add(V a, V b) { return _mm512_add_pd(a, b); }
    static V fmadd(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
    static double sum(V v) {
        double t[8];
        _mm512_storeu_pd(t, v);
        return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
    }
};
}  // namespace

const BwKernels& bw_kernels_avx512() {
    static const BwKernels k{"avx512", bw_read_body<V512>, bw_write_body<V512>, bw_copy_body<V512>,
                             bw_triad_body<V512>};
    return k;
}

}  // namespace flopmeter
