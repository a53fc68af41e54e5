// THE formula header: every FLOP and byte count flopmeter reports comes from here, so a
// benchmark's FLOP/s, a calibration's rate and the cost model's time cannot drift apart.
//
// Counts are doubles: sizes are 64-bit integers, and products such as 2*M*N*K for a whole
// training run (1e26 FLOPs) overflow any 64-bit integer. Doubles are exact below 2^53
// (9e15), which covers every single kernel call; beyond that the relative error is 1e-16.
//
// Conventions (docs/architecture.md and docs/attention.md say the same for readers):
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

constexpr bool gemm_has_epilogue(double alpha, double beta) {
    return alpha != 1.0 || beta != 0.0;
}

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
// Attention (scaled dot-product)
//   batch B, heads H (kv heads G only change bytes), query length Sq, key length Sk, head dim D,
//   value dim Dv. P = exact number of unmasked (query, key) pairs per (batch, head).
//   Causal masks are bottom-right aligned (FlashAttention): query i sees keys j <= i + Sk - Sq.
//   Forward model FLOPs = 2*B*H*P*(D + Dv)  (S = QK^T: 2D per pair; O = PV: 2Dv per pair).
//   FlashAttention convention = 4*B*H*Sq*Sk*D, halved when causal (for comparing with papers).
//   Backward model FLOPs = 2.5 x forward (five matmuls against the forward's two). Executed
//   FLOPs (recomputation of S, work on masked tiles) depend on a kernel's tiling; they are
//   computed from the tile counts the kernel reports, with the helpers below.
//   Softmax/exp/scale work is counted separately (attention_fwd_softmax_ops,
//   attention_bwd_softmax_ops), never folded in.
// ---------------------------------------------------------------------------------------

// Unmasked (query, key) pairs for one (batch, head).
constexpr double attention_pairs(std::int64_t seq_q, std::int64_t seq_k, bool causal) {
    if (!causal) return double(seq_q) * double(seq_k);
    // Query i (0-based) sees min(Sk, max(0, i + Sk - Sq + 1)) keys. Sum in closed form.
    const std::int64_t offset = seq_k - seq_q;  // keys visible to query 0, minus one
    // Queries with i + offset + 1 <= 0 see nothing; those with i + offset + 1 >= Sk see all.
    double total = 0;
    const std::int64_t first =
        offset + 1 > 0 ? 0 : -(offset + 1) + 1;         // first query that sees >= 1 key
    const std::int64_t full_from = seq_k - offset - 1;  // queries i >= this see all Sk keys
    const std::int64_t lo = first,
                       hi = full_from < seq_q ? full_from : seq_q;  // partial range [lo, hi)
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
    std::int64_t batch = 1, heads = 1, kv_heads = 1, seq_q = 1, seq_k = 1, head_dim = 64,
                 value_dim = 64;
    bool causal = false;
};

constexpr double attention_fwd_model_flops(const AttentionShape& a) {
    return 2.0 * double(a.batch) * double(a.heads) * attention_pairs(a.seq_q, a.seq_k, a.causal) *
           double(a.head_dim + a.value_dim);
}

// FlashAttention's convention: 4*B*H*Sq*Sk*D, halved when causal (it ignores Dv != D).
constexpr double attention_fwd_flash_flops(const AttentionShape& a) {
    const double f = 4.0 * double(a.batch) * double(a.heads) * double(a.seq_q) * double(a.seq_k) *
                     double(a.head_dim);
    return a.causal ? f / 2.0 : f;
}

// Backward model FLOPs: five matmuls against the forward's two, per unmasked pair S = QK^T
// again (2D), dP = dO V^T (2Dv), dV (2Dv), dQ (2D), dK (2D): 2*(3D + 2Dv). That is the usual
// 2.5 x forward when D = Dv, and stays exact when the value dim differs (multi-head latent
// attention: D = 192, Dv = 128, where 2.5 x forward would count 3.8% too few).
constexpr double attention_bwd_model_flops(const AttentionShape& a) {
    return 2.0 * double(a.batch) * double(a.heads) * attention_pairs(a.seq_q, a.seq_k, a.causal) *
           double(3 * a.head_dim + 2 * a.value_dim);
}

// Keys query i (0-based) sees: all Sk, or with the bottom-right causal mask min(Sk, max(0, i + Sk -
// Sq + 1)).
constexpr std::int64_t attention_visible_keys(std::int64_t i, std::int64_t seq_q,
                                              std::int64_t seq_k, bool causal) {
    if (!causal) return seq_k;
    const std::int64_t n = i + seq_k - seq_q + 1;
    return n < 0 ? 0 : (n > seq_k ? seq_k : n);
}

// Queries that see at least one key (rows that produce output), per (batch, head). With the
// bottom-right causal mask and Sq > Sk the first Sq - Sk queries see nothing (output 0).
constexpr double attention_rows_with_keys(std::int64_t seq_q, std::int64_t seq_k, bool causal) {
    if (seq_k <= 0 || seq_q <= 0) return 0;
    if (!causal) return double(seq_q);
    const std::int64_t first = seq_q > seq_k ? seq_q - seq_k : 0;
    return double(seq_q - first);
}

// Pairs a tiled kernel computes per (batch, head): queries in tiles of tile_q, keys in tiles of
// tile_k; a (query tile, key tile) pair with no unmasked (query, key) pair is skipped, every
// other one is computed in full (masked entries included), clipped at the sequence ends.
// Non-causal: exactly Sq*Sk. Loop over query tiles: O(Sq / tile_q).
constexpr double attention_tiled_pairs(std::int64_t seq_q, std::int64_t seq_k, bool causal,
                                       std::int64_t tile_q, std::int64_t tile_k) {
    if (!causal) return double(seq_q) * double(seq_k);
    double total = 0;
    for (std::int64_t i0 = 0; i0 < seq_q; i0 += tile_q) {
        const std::int64_t i1 = i0 + tile_q < seq_q ? i0 + tile_q : seq_q;
        const std::int64_t vis =
            attention_visible_keys(i1 - 1, seq_q, seq_k, true);  // the tile's last row sees most
        const std::int64_t tiles = (vis + tile_k - 1) / tile_k;
        const std::int64_t covered = tiles * tile_k < seq_k ? tiles * tile_k : seq_k;
        total += double(i1 - i0) * double(covered);
    }
    return total;
}

// Executed forward FLOPs of a kernel that computes `pairs_per_head` (query, key) pairs per
// (batch, head): QK^T and PV over those pairs, 2*(D + Dv) each (masked-tile work included).
constexpr double attention_fwd_executed_flops(const AttentionShape& a, double pairs_per_head) {
    return 2.0 * double(a.batch) * double(a.heads) * pairs_per_head *
           double(a.head_dim + a.value_dim);
}

// Executed backward FLOPs over `pairs_per_head` pairs: dP = dO V^T (2Dv), dV += P^T dO (2Dv),
// dQ += dS K (2D), dK += dS^T Q (2D), plus S = QK^T again (2D) when the kernel recomputes the
// scores from the saved log-sum-exp (FlashAttention-2) instead of keeping the forward's P.
// With recomputation over the exact pairs this equals attention_bwd_model_flops.
constexpr double attention_bwd_executed_flops(const AttentionShape& a, double pairs_per_head,
                                              bool recompute) {
    const double per_pair = 2.0 * (double(recompute ? a.head_dim : 0) + 2.0 * double(a.value_dim) +
                                   2.0 * double(a.head_dim));
    return double(a.batch) * double(a.heads) * pairs_per_head * per_pair;
}

// Softmax and the other elementwise work, counted apart from the matmul FLOPs.
// The counts are those of the reference kernel (kernels/attention/attention_reference.hpp),
// which the counting-type test checks exactly; an exp, a max, a division and a log are one op each.
struct SoftmaxTally {
    double mul = 0, add = 0, max = 0, exp = 0, div = 0, log = 0;
    constexpr double ops() const { return mul + add + max + exp + div + log; }
};

// Forward, per unmasked pair: scale multiply, running max, subtract the max, exp, add to the
// row sum. Per row that sees a key: one division (1/l), Dv multiplies (normalise O), one log
// and one add (LSE = m + log l).
constexpr SoftmaxTally attention_fwd_softmax_ops(const AttentionShape& a) {
    const double bh = double(a.batch) * double(a.heads);
    const double p = bh * attention_pairs(a.seq_q, a.seq_k, a.causal);
    const double r = bh * attention_rows_with_keys(a.seq_q, a.seq_k, a.causal);
    SoftmaxTally t;
    t.mul = p + r * double(a.value_dim);
    t.add = 2.0 * p + r;
    t.max = p;
    t.exp = p;
    t.div = r;
    t.log = r;
    return t;
}

// Backward elementwise work. Per row that sees a key: D_i = rowsum(dO_i * O_i), Dv multiplies
// and Dv adds. Per unmasked pair: P = exp(scale*s - LSE) (multiply, subtract, exp) and
// dS = P * (dP - D_i) * scale (subtract, two multiplies).
constexpr SoftmaxTally attention_bwd_softmax_ops(const AttentionShape& a) {
    const double bh = double(a.batch) * double(a.heads);
    const double p = bh * attention_pairs(a.seq_q, a.seq_k, a.causal);
    const double r = bh * attention_rows_with_keys(a.seq_q, a.seq_k, a.causal);
    SoftmaxTally t;
    t.mul = 3.0 * p + r * double(a.value_dim);
    t.add = 2.0 * p + r * double(a.value_dim);
    t.exp = p;
    return t;
}

// Compulsory traffic at each tensor's storage size: Q, K, V at the input size; O, LSE (fp32),
// dO and the gradients at out_size. Grouped-query attention reads G key/value heads, not H.
struct AttentionBytes {
    double q = 0, k = 0, v = 0, o = 0, lse = 0, d_o = 0, dq = 0, dk = 0, dv = 0;
    constexpr double total() const { return q + k + v + o + lse + d_o + dq + dk + dv; }
};

constexpr AttentionBytes attention_fwd_bytes(const AttentionShape& a, double in_size,
                                             double out_size) {
    AttentionBytes b;
    b.q = double(a.batch) * double(a.seq_q) * double(a.heads) * double(a.head_dim) * in_size;
    b.k = double(a.batch) * double(a.seq_k) * double(a.kv_heads) * double(a.head_dim) * in_size;
    b.v = double(a.batch) * double(a.seq_k) * double(a.kv_heads) * double(a.value_dim) * in_size;
    b.o = double(a.batch) * double(a.seq_q) * double(a.heads) * double(a.value_dim) * out_size;
    b.lse = double(a.batch) * double(a.heads) * double(a.seq_q) * 4.0;
    return b;
}

// Backward reads Q, K, V, O, dO and LSE and writes dQ, dK, dV.
constexpr AttentionBytes attention_bwd_bytes(const AttentionShape& a, double in_size,
                                             double out_size) {
    AttentionBytes b = attention_fwd_bytes(a, in_size, out_size);
    b.d_o = b.o;
    b.dq = b.q / in_size * out_size;
    b.dk = b.k / in_size * out_size;
    b.dv = b.v / in_size * out_size;
    return b;
}

// The key/value cache a decode step streams: K and V once each (the decode bandwidth figure).
constexpr double attention_kv_bytes(const AttentionShape& a, double in_size) {
    const AttentionBytes b = attention_fwd_bytes(a, in_size, 4.0);
    return b.k + b.v;
}

// A decode step over a KV cache stored apart from Q (bf16, or int8 with `kv_scale_bytes` of
// scale per cached (token, kv head) vector, for K and again for V): the cache read with its
// scales, the decode bandwidth figure ...
constexpr double attention_decode_kv_bytes(const AttentionShape& a, double kv_size,
                                           double kv_scale_bytes) {
    return double(a.batch) * double(a.seq_k) * double(a.kv_heads) *
           (double(a.head_dim + a.value_dim) * kv_size + 2.0 * kv_scale_bytes);
}
// ... and the step's compulsory bytes: that read, Q at q_size, O at out_size and the fp32 LSE.
constexpr double attention_decode_bytes(const AttentionShape& a, double q_size, double kv_size,
                                        double kv_scale_bytes, double out_size) {
    const AttentionBytes b = attention_fwd_bytes(a, q_size, out_size);
    return attention_decode_kv_bytes(a, kv_size, kv_scale_bytes) + b.q + b.o + b.lse;
}

// ---------------------------------------------------------------------------------------
// Quantized weight-only matmul (kernels/quant), y (M x N) = x (M x K) * W^T, W block-quantized
// with `bits` per code and one fp16 scale per `group` codes of a row.
//   Model FLOPs = 2*M*N*K, as for any GEMM: dequantizing a weight (scale multiply, offset) and
//   quantizing activations are not model FLOPs, so a quantized and a bf16 run of the same
//   layer have the same FLOP count and their rates compare directly.
//   Bytes = packed codes (N*K*bits/8) + scales (N*K/group * scale_size) + activations read
//   (M*K*x_size) + output written (M*N*y_size): what a decode step must stream.
// ---------------------------------------------------------------------------------------

constexpr double quant_weight_bytes(std::int64_t n, std::int64_t k, int bits, std::int64_t group,
                                    double scale_size = 2.0) {
    return double(n) * double(k) * double(bits) / 8.0 + double(n) * double(k / group) * scale_size;
}

// Bits per weight including the scales (q4_0: 4.5, q8_0: 8.5, q4_g128: 4.125).
constexpr double quant_bits_per_weight(int bits, std::int64_t group, double scale_size = 2.0) {
    return double(bits) + 8.0 * scale_size / double(group);
}

constexpr double quant_gemm_bytes(std::int64_t m, std::int64_t n, std::int64_t k, int bits,
                                  std::int64_t group, double x_size, double y_size,
                                  double scale_size = 2.0) {
    return quant_weight_bytes(n, k, bits, group, scale_size) + double(m) * double(k) * x_size +
           double(m) * double(n) * y_size;
}

// A decode step's KV cache read (attention over `context` cached tokens): K and V for every
// layer and KV head at `kv_size` bytes per element plus `kv_scale_bytes` per cached vector
// (int8 KV caches keep one scale per head vector). Per sequence.
constexpr double decode_kv_bytes(std::int64_t layers, std::int64_t kv_heads, std::int64_t head_dim,
                                 double context, double kv_size, double kv_scale_bytes = 0.0) {
    return 2.0 * double(layers) * double(kv_heads) * context *
           (double(head_dim) * kv_size + kv_scale_bytes);
}

// An FP8 tensor of `values` elements in fine-grained tiles: one byte per value plus one
// `scale_size`-byte scale per 1 x `tile` tile (DeepSeek-V3 report section 3.3.1: activations
// scaled per 1x128 tile; the scales float32 as DeepEP's FP8 dispatch takes them).
constexpr double fp8_tile_scaled_bytes(std::int64_t values, std::int64_t tile = 128,
                                       double scale_size = 4.0) {
    return double(values) + double((values + tile - 1) / tile) * scale_size;
}

// FP8 training's quantization passes (DeepSeek-V3 report, sections 3.3.1-3.3.2 and 3.5.2), as
// memory traffic; `values` is a double because token counts in the cost model are.
// Online quantization of an activation or gradient before an FP8 GEMM: the 16-bit tensor read
// (`src_size` bytes a value), one byte a value and an fp32 scale per 1x128 tile written.
constexpr double fp8_quant_bytes(double values, double src_size) {
    return values * src_size + values + values / 128.0 * 4.0;
}
// The weight gradient X^T dY needs the cached FP8 input tiled along the tokens (128x1), the
// forward stored it tiled along the channels (1x128): read out with its scales, transposed,
// re-quantized and stored again (section 3.5.2 describes this workflow on Hopper).
constexpr double fp8_requant_transposed_bytes(double values) {
    return 2.0 * (values + values / 128.0 * 4.0);
}
// A weight cast to FP8 in 128x128 blocks (section 3.3.1): `src_size` bytes a value read, one
// byte a value and an fp32 scale per block written.
constexpr double fp8_weight_quant_bytes(double values, double src_size) {
    return values * src_size + values + values / (128.0 * 128.0) * 4.0;
}

}  // namespace flopmeter::flops
