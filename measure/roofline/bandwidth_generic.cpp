// Bandwidth loops on plain doubles (SSE2 at most), for CPUs without AVX2.
#include "measure/roofline/bandwidth.hpp"
#include "measure/roofline/bandwidth_body.hpp"

namespace flopmeter {

namespace {
struct Scalar {
    using V = double;
    static constexpr int lanes = 1;
    static V zero() { return 0.0; }
    static V set1(double x) { return x; }
    static V load(const double* p) { return *p; }
    static void store(double* p, V v) { *p = v; }
    static V add(V a, V b) { return a + b; }
    static V fmadd(V a, V b, V c) { return a * b + c; }
    static double sum(V v) { return v; }
};
}  // namespace

const BwKernels& bw_kernels_generic() {
    static const BwKernels k{"generic", bw_read_body<Scalar>, bw_write_body<Scalar>,
                             bw_copy_body<Scalar>, bw_triad_body<Scalar>};
    return k;
}

}  // namespace flopmeter
