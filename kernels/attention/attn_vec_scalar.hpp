// One-lane "vector" traits (plain C++) so the generic kernels compile the same bodies for any
// x86-64; the compiler may still vectorise the loops around them.
#pragma once

#include <cstdint>

#include "core/bf16.hpp"
#include "kernels/attention/attn_exp2.hpp"

namespace flopmeter::attn {

struct VecScalar {
    using V = float;
    using M = bool;
    static constexpr int lanes = 1;
    static constexpr const char* isa = "generic";
    static constexpr int decode_rows = 1;

    static V zero() { return 0.0f; }
    static V set1(float x) { return x; }
    static V load(const float* p) { return *p; }
    static V loadu(const float* p) { return *p; }
    static void store(float* p, V v) { *p = v; }
    static void storeu(float* p, V v) { *p = v; }
    static V load_bf16(const bf16* p) { return float(*p); }
    static V load_i8(const std::int8_t* p) { return float(*p); }
    static V fmadd(V a, V b, V c) { return a * b + c; }
    static V mul(V a, V b) { return a * b; }
    static V add(V a, V b) { return a + b; }
    static V sub(V a, V b) { return a - b; }
    static V max(V a, V b) { return a < b ? b : a; }
    static float hmax(V v) { return v; }
    static float hsum(V v) { return v; }
    static M first(int n) { return n > 0; }
    static V maskz_loadu(M m, const float* p) { return m ? *p : 0.0f; }
    static V maskz_load_bf16(M m, const bf16* p) { return m ? float(*p) : 0.0f; }
    static V maskz_load_i8(M m, const std::int8_t* p) { return m ? float(*p) : 0.0f; }
    static void mask_storeu(float* p, M m, V v) {
        if (m) *p = v;
    }
    static V select(M m, V a, V b) { return m ? a : b; }
    static V exp2(V x) { return exp2_poly(x); }
    static V transpose_sum(const V* acc) { return acc[0]; }
    template <int NR>
    static void regroup(const V* sums, V* rows) {
        static_assert(NR == 1, "one-lane vectors hold one row");
        rows[0] = sums[0];
    }
};

}  // namespace flopmeter::attn
