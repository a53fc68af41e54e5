// Peak probes for CPUs without AVX2: 8 independent chains of scalar multiply-adds (SSE2
// scalar; a multiply and an add, 2 FLOPs each).
#include "measure/roofline/peak.hpp"

namespace flopmeter {

namespace {
volatile double g_sink;

template <class T>
double chains(std::int64_t iters) {
    T acc[8];
    for (int i = 0; i < 8; ++i) acc[i] = T(0.5) + T(i);
    const T m = T(0.999999), a = T(1e-7);
    for (std::int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 8
        for (int i = 0; i < 8; ++i) acc[i] = acc[i] * m + a;
    }
    T s = 0;
    for (int i = 0; i < 8; ++i) s += acc[i];
    g_sink = double(s);
    return double(iters) * 8 * 2;
}
}  // namespace

double peak_fp32_generic(std::int64_t iters) {
    return chains<float>(iters);
}
double peak_fp64_generic(std::int64_t iters) {
    return chains<double>(iters);
}

}  // namespace flopmeter
