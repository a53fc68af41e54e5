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

// ---------------------------------------------------------------------------------------
// Attention (scaled dot-product), per design.md
//   batch B, heads H (kv heads G only change bytes), query length Sq, key length Sk, head dim D,
//   value dim Dv. P = exact number of unmasked (query, key) pairs per (batch, head).
//   Causal masks are bottom-right aligned (FlashAttention): query i sees keys j <= i + Sk - Sq.
//   Forward model FLOPs = 2*B*H*P*(D + Dv)  (S = QK^T: 2D per pair; O = PV: 2Dv per pair).
//   FlashAttention convention = 4*B*H*Sq*Sk*D, halved when causal (for comparing with papers).
//   Backward model FLOPs = 2.5 x forward (five matmuls against the forward's two). Executed
//   FLOPs (recomputation of S, work on masked tiles) depend on a kernel's tiling; they are
//   computed from the tile counts the kernel reports, with the helpers below.
//   Softmax/exp/scale work is counted separately (attention_softmax_ops), never folded in.
// ---------------------------------------------------------------------------------------

// Unmasked (query, key) pairs for one (batch, head).
constexpr double attention_pairs(std::int64_t seq_q, std::int64_t seq_k, bool causal) {
    if (!causal) return double(seq_q) * double(seq_k);
    // Query i (0-based) sees min(Sk, max(0, i + Sk - Sq + 1)) keys. Sum in closed form.
    const std::int64_t offset = seq_k - seq_q;  // keys visible to query 0, minus one
    // Queries with i + offset + 1 <= 0 see nothing; those with i + offset + 1 >= Sk see all.
    double total = 0;
    const std::int64_t first = offset + 1 > 0 ? 0 : -(offset + 1) + 1;  // first query that sees >= 1 key
    const std::int64_t full_from = seq_k - offset - 1;                   // queries i >= this see all Sk keys
    const std::int64_t lo = first, hi = full_from < seq_q ? full_from : seq_q;  // partial range [lo, hi)
    if (hi > lo) {
        // sum_{i=lo}^{hi-1} (i + offset + 1)
        const double n = double(hi - lo);
        total += n * double(offset + 1) + (double(lo) + double(hi - 1)) * n / 2.0;
    }
    if (seq_q > full_from) {
        const std::int64_t start = full_from > lo ? full_from : lo;
        if (seq_q > start) total += double(seq_q - start) * double(seq_k);
    }
    return total;
}

struct AttentionShape {
    std::int64_t batch = 1, heads = 1, kv_heads = 1, seq_q = 1, seq_k = 1, head_dim = 64, value_dim = 64;
    bool causal = false;
};

constexpr double attention_fwd_model_flops(const AttentionShape& a) {
    return 2.0 * double(a.batch) * double(a.heads) * attention_pairs(a.seq_q, a.seq_k, a.causal) *
           double(a.head_dim + a.value_dim);
}

// FlashAttention's convention: 4*B*H*Sq*Sk*D, halved when causal (it ignores Dv != D).
constexpr double attention_fwd_flash_flops(const AttentionShape& a) {
    const double f = 4.0 * double(a.batch) * double(a.heads) * double(a.seq_q) * double(a.seq_k) * double(a.head_dim);
    return a.causal ? f / 2.0 : f;
}

// Backward model FLOPs: 2.5 x forward (design.md), i.e. dV, dP, dQ, dK matmuls plus one
// S-sized matmul's worth, exactly 5/2 of the forward's two when D = Dv.
constexpr double attention_bwd_model_flops(const AttentionShape& a) { return 2.5 * attention_fwd_model_flops(a); }

}  // namespace flopmeter::flops
