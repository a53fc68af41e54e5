// The register-blocked tile product every attention kernel is built from, templated on the
// vector traits so each ISA file instantiates it with its own flags (the GEMM micro-kernel's
// broadcast-A / vector-B design, kernels/gemm/own/microkernel_body.hpp):
//
//   c[r][0:NR] (=, or += when ACC) sum_{k < kc} a(r, k) * b[k * ldb + 0:NR],   r < MR, NR =
//   NV*lanes
//
// a(r, k) = a[r * ARS + k * AKS] with compile-time strides, so the same body reads a packed
// panel (ARS = 1, AKS = MR), a score tile row-wise (ARS = tile width, AKS = 1: P V and dS K) or
// column-wise (ARS = 1, AKS = tile width: P^T dO and dS^T Q) with immediate address offsets.
// MR x NV accumulators stay in registers; per k step NV vector loads of b, MR broadcasts of a,
// MR*NV FMAs: 2*MR*NR*kc FLOPs per call.
#pragma once

#include <cstdint>

namespace flopmeter::attn {

template <class Vec, int MR, int NV, int ARS, int AKS, bool ACC>
inline void tile_product(std::int64_t kc, const float* a, const float* b, std::int64_t ldb,
                         float* c, std::int64_t ldc) {
    using V = typename Vec::V;
    constexpr int L = Vec::lanes;
    V acc[MR][NV];
    if constexpr (ACC) {
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] = Vec::loadu(c + r * ldc + v * L);
    } else {
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] = Vec::zero();
    }
    for (std::int64_t k = 0; k < kc; ++k) {
        V bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) bv[v] = Vec::loadu(b + v * L);
#pragma GCC unroll 16
        for (int r = 0; r < MR; ++r) {
            const V av = Vec::set1(a[r * ARS]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] = Vec::fmadd(av, bv[v], acc[r][v]);
        }
        a += AKS;
        b += ldb;
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) Vec::storeu(c + r * ldc + v * L, acc[r][v]);
}

}  // namespace flopmeter::attn
