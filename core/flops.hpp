// THE formula header: every FLOP and byte count flopmeter reports comes from here, so a
// benchmark's FLOP/s, a calibration's rate and the cost model's time cannot drift apart.
//
// Counts are doubles: sizes are 64-bit integers, and products such as 2*M*N*K for a whole
// training run (1e26 FLOPs) overflow any 64-bit integer. Doubles are exact below 2^53
// (9e15), which covers every single kernel call; beyond that the relative error is 1e-16.
//
// Conventions (../shared/design.md):
//  - GEMM C = alpha*op(A)*op(B) + beta*C, M x N x K. Model FLOPs = 2*M*N*K (one multiply and
//    one add per term of each inner product). Executed FLOPs add the epilogue, counted as
//    2*M*N whenever alpha != 1 or beta != 0 (the CUTLASS profiler convention).
//  - Bytes = A read + B read + C written (+ C read when beta != 0), at each storage dtype.
#pragma once

#include <cstdint>

namespace flopmeter::flops {

// ---------------------------------------------------------------------------------------
// GEMM
// ---------------------------------------------------------------------------------------

constexpr double gemm_model_flops(std::int64_t m, std::int64_t n, std::int64_t k) {
    return 2.0 * double(m) * double(n) * double(k);
}

constexpr bool gemm_has_epilogue(double alpha, double beta) { return alpha != 1.0 || beta != 0.0; }

// Executed epilogue FLOPs by convention (CUTLASS): 2 per element of C when there is one.
constexpr double gemm_epilogue_flops(std::int64_t m, std::int64_t n, double alpha, double beta) {
    return gemm_has_epilogue(alpha, beta) ? 2.0 * double(m) * double(n) : 0.0;
}

constexpr double gemm_executed_flops(std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
                                     double beta) {
    return gemm_model_flops(m, n, k) + gemm_epilogue_flops(m, n, alpha, beta);
}

// The exact arithmetic of the reference kernel's epilogue, c = alpha*acc + beta*c, done only
// where needed: a multiply by alpha when alpha != 1, and a multiply and an add for beta*c
// when beta != 0. The counting-type test checks the reference against these; the reported
// executed FLOPs use the convention above, which differs by at most M*N.
struct OpTally {
    double mul = 0, add = 0, fma = 0;
    constexpr double flops() const { return mul + add + 2.0 * fma; }
};

constexpr OpTally gemm_epilogue_ops_exact(std::int64_t m, std::int64_t n, double alpha,
                                          double beta) {
    const double mn = double(m) * double(n);
    OpTally t;
    if (alpha != 1.0) t.mul += mn;
    if (beta != 0.0) {
        t.mul += mn;
        t.add += mn;
    }
    return t;
}

// The inner products: M*N*K multiplies and M*N*K adds (or M*N*K fused multiply-adds).
constexpr OpTally gemm_inner_ops_exact(std::int64_t m, std::int64_t n, std::int64_t k) {
    const double mnk = double(m) * double(n) * double(k);
    return OpTally{mnk, mnk, 0.0};
}

struct GemmBytes {
    double a = 0, b = 0, c_read = 0, c_write = 0;
    constexpr double total() const { return a + b + c_read + c_write; }
};

// Compulsory traffic: each operand moved once at its storage size (bytes per element).
constexpr GemmBytes gemm_bytes(std::int64_t m, std::int64_t n, std::int64_t k, double size_a,
                               double size_b, double size_c, double beta) {
    GemmBytes b;
    b.a = double(m) * double(k) * size_a;
    b.b = double(k) * double(n) * size_b;
    b.c_write = double(m) * double(n) * size_c;
    b.c_read = beta != 0.0 ? b.c_write : 0.0;
    return b;
}

// Arithmetic intensity (model FLOPs per compulsory byte), for placing a result on a roofline.
constexpr double gemm_intensity(std::int64_t m, std::int64_t n, std::int64_t k, double size_a,
                                double size_b, double size_c, double beta) {
    return gemm_model_flops(m, n, k) / gemm_bytes(m, n, k, size_a, size_b, size_c, beta).total();
}

}  // namespace flopmeter::flops
