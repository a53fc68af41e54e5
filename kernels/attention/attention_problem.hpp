// Attention problem description shared by every backend: plain structs, no behaviour.
//
// Scaled dot-product attention O = softmax(scale * Q K^T + mask) V per (batch, head), with
//   layout [B, S, heads, dim], row-major: Q [B, Sq, H, D], K [B, Sk, G, D], V [B, Sk, G, Dv],
//   O [B, Sq, H, Dv], LSE [B, H, Sq] (natural log-sum-exp of each score row).
// Query head h reads key/value head h / (H / G) (MHA G = H, GQA, MQA G = 1). The causal mask is
// bottom-right aligned as in FlashAttention: query i sees keys j <= i + Sk - Sq; a query that
// sees no key (Sq > Sk) outputs zeros and LSE = -inf, and gets zero gradients.
// Q, K and V are fp32 or bf16; everything computed (O, LSE, dQ, dK, dV) and the incoming
// gradient dO are fp32, as the GEMM's bf16 inputs produce an fp32 C.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/dtype.hpp"
#include "core/flops.hpp"

namespace flopmeter {

// Largest head (and value) dimension the kernels accept: the fused kernels keep a query tile
// of Q, O and dQ (tile x dim fp32) with the score tile in L1/L2; 256 covers every common model
// (64, 80, 96, 128, 256). Documented in docs/attention.md.
inline constexpr std::int64_t kAttentionMaxHeadDim = 256;

enum class AttentionPass { fwd, bwd, fwd_bwd };

constexpr std::string_view attention_pass_name(AttentionPass p) {
    switch (p) {
        case AttentionPass::fwd:
            return "fwd";
        case AttentionPass::bwd:
            return "bwd";
        case AttentionPass::fwd_bwd:
            return "fwd+bwd";
    }
    return "?";
}

inline std::optional<AttentionPass> parse_attention_pass(std::string_view s) {
    for (AttentionPass p : {AttentionPass::fwd, AttentionPass::bwd, AttentionPass::fwd_bwd})
        if (s == attention_pass_name(p)) return p;
    return std::nullopt;
}

constexpr bool pass_has_fwd(AttentionPass p) {
    return p != AttentionPass::bwd;
}
constexpr bool pass_has_bwd(AttentionPass p) {
    return p != AttentionPass::fwd;
}

// Storage of the key/value cache when it differs from Q's (decode forward on the own backend
// only): bf16, or int8 symmetric with one fp32 scale per (batch, token, kv head) vector for K
// and one for V, scale = max|x| / 127 of that vector, x ~= code * scale (docs/attention.md).
enum class KvCache { same, bf16, int8 };

constexpr std::string_view kv_cache_name(KvCache c) {
    switch (c) {
        case KvCache::same:
            return "same";
        case KvCache::bf16:
            return "bf16";
        case KvCache::int8:
            return "int8";
    }
    return "?";
}

inline std::optional<KvCache> parse_kv_cache(std::string_view s) {
    for (KvCache c : {KvCache::same, KvCache::bf16, KvCache::int8})
        if (s == kv_cache_name(c)) return c;
    return std::nullopt;
}

// Query rows per head up to which the own backend runs the split-K decode kernel, the only
// one that reads a KV cache stored apart from Q's dtype.
inline constexpr std::int64_t kAttentionDecodeMaxSeqQ = 4;

struct AttentionProblem {
    flops::AttentionShape shape;
    DType dtype = DType::fp32;  // Q (and K, V unless kv says otherwise) storage
    double scale = 0.0;         // softmax scale; 0 means 1/sqrt(head_dim)
    KvCache kv = KvCache::same;
};

// Bytes per K or V element and per cached (token, kv head) vector of scales.
double attention_kv_elem_bytes(const AttentionProblem& p);
double attention_kv_scale_bytes(const AttentionProblem& p);

// The scale actually applied.
double attention_scale(const AttentionProblem& p);

// Element counts of each tensor.
struct AttentionSizes {
    std::int64_t q = 0, k = 0, v = 0, o = 0, lse = 0;
};
AttentionSizes attention_sizes(const flops::AttentionShape& s);

// Pointers to the tensors. Forward reads q, k, v and writes o, lse; backward reads q, k, v, o,
// lse and d_o and writes dq, dk, dv (same layouts as q, k, v, in fp32).
struct AttentionOperands {
    const void* q = nullptr;
    const void* k = nullptr;
    const void* v = nullptr;
    float* o = nullptr;
    float* lse = nullptr;
    const float* d_o = nullptr;
    // KvCache::int8: scales [B, Sk, G] of K and of V.
    const float* k_scale = nullptr;
    const float* v_scale = nullptr;
    float* dq = nullptr;
    float* dk = nullptr;
    float* dv = nullptr;
};

// Bytes the tensors a pass touches occupy, as a double so huge shapes cannot overflow.
double attention_footprint_bytes(const AttentionProblem& p, AttentionPass pass);

// Throws UsageError naming what is wrong: sizes <= 0, heads not divisible by kv heads, head or
// value dim above kAttentionMaxHeadDim, element counts that overflow 64-bit indexing, a dtype
// other than fp32/bf16, a KV cache dtype other than Q's outside a decode forward, a non-finite or
// negative scale, or tensors that do not fit in memory.
void check_attention_problem(const AttentionProblem& p, AttentionPass pass);

std::string describe(
    const AttentionProblem& p);  // "fp32 b1 h16 g4 sq4096 sk4096 d128 dv128 causal"

}  // namespace flopmeter
