// The broadcast-A / vector-B outer-product micro-kernel body, templated on vector traits
// (VecAvx512, VecAvx2, VecScalar) so each ISA file instantiates it with its own flags.
// MR rows x NV vectors of C live in MR*NV registers; per k step NV vector loads of B,
// MR broadcasts of A, MR*NV FMAs. See microkernel.hpp for the packing contract.
#pragma once

#include <cstdint>

namespace flopmeter::own {

template <class Vec, int MR, int NV, class T>
inline void microkernel_body(std::int64_t kc, const T* ap, const T* bp, T* c, std::int64_t ldc,
                             T alpha, T beta) {
    using V = typename Vec::V;
    constexpr int L = Vec::lanes;
    constexpr int NR = NV * L;
    {
        const T* cp = c;
        for (int i = 0; i < MR; ++i, cp += ldc)
            for (int v = 0; v < NR; v += 64 / int(sizeof(T))) __builtin_prefetch(cp + v, 1, 3);
    }
    V acc[MR][NV];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = Vec::zero();

    for (std::int64_t k = 0; k < kc; ++k) {
        V b[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) b[v] = Vec::load(bp + v * L);
        __builtin_prefetch(bp + 8 * NR, 0, 3);
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            const V a = Vec::set1(ap[i]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[i][v] = Vec::fmadd(a, b[v], acc[i][v]);
        }
        ap += MR;
        bp += NR;
    }

    const V va = Vec::set1(alpha);
    const V vb = Vec::set1(beta);
    const bool read_c = beta != T(0);
    T* row = c;
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i, row += ldc)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
            V r = Vec::mul(va, acc[i][v]);
            if (read_c) r = Vec::fmadd(vb, Vec::loadu(row + v * L), r);
            Vec::storeu(row + v * L, r);
        }
}

// Plain C++ "vector" of one lane: the generic kernels compile the same body for any x86-64.
template <class T>
struct VecScalar {
    using V = T;
    static constexpr int lanes = 1;
    static V zero() { return T(0); }
    static V set1(T x) { return x; }
    static V load(const T* p) { return *p; }
    static V loadu(const T* p) { return *p; }
    static void storeu(T* p, V v) { *p = v; }
    static V fmadd(V a, V b, V c) { return a * b + c; }
    static V mul(V a, V b) { return a * b; }
};

}  // namespace flopmeter::own
