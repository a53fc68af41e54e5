// Scaled dot-product attention on the GPU. Tensors are contiguous "BSHD" (FlashAttention's):
//   Q, O, dO, dQ: [batch][seq_q][heads][head_dim]      K, V, dK, dV:
//   [batch][seq_k][kv_heads][head_dim] LSE (log-sum-exp of each softmax row, natural log):
//   [batch][heads][seq_q], fp32
// Grouped-query attention: query head h reads kv head h / (heads / kv_heads). Causal masks are
// bottom-right aligned (flops.hpp): query i sees keys j <= i + seq_k - seq_q; flopmeter asks
// seq_q <= seq_k for causal problems so every query sees at least one key. Decode is seq_q = 1
// (or a few), seq_k long. Scale 1/sqrt(head_dim).
// FLOPs: core/flops.hpp's attention section (model: 2*B*H*P*(D+Dv); backward 2.5x forward),
// plus the FlashAttention convention for comparing with published figures.
#pragma once

#include <cstdint>
#include <string>

#include "core/flops.hpp"
#include "kernels/cuda/common/gpu_storage.hpp"

namespace flopmeter {

struct GpuAttentionProblem {
    std::int64_t batch = 1, heads = 1, kv_heads = 1, seq_q = 1, seq_k = 1, head_dim = 128;
    bool causal = false;
    bool backward = false;                // dQ, dK, dV from dO (the forward's O and LSE as inputs)
    GpuStorage dtype = GpuStorage::bf16;  // bf16 or f16
};

inline flops::AttentionShape attention_shape(const GpuAttentionProblem& p) {
    flops::AttentionShape s;
    s.batch = p.batch;
    s.heads = p.heads;
    s.kv_heads = p.kv_heads;
    s.seq_q = p.seq_q;
    s.seq_k = p.seq_k;
    s.head_dim = p.head_dim;
    s.value_dim = p.head_dim;
    s.causal = p.causal;
    return s;
}

double gpu_attention_model_flops(const GpuAttentionProblem& p);  // forward or backward
double gpu_attention_flash_flops(
    const GpuAttentionProblem& p);  // FlashAttention convention (x2.5 backward)
// Compulsory bytes: forward reads Q, K, V and writes O and LSE; backward reads Q, K, V, O, dO,
// LSE and writes dQ, dK, dV.
double gpu_attention_bytes(const GpuAttentionProblem& p);

// Element counts of the tensors.
inline std::int64_t attn_q_elems(const GpuAttentionProblem& p) {
    return p.batch * p.seq_q * p.heads * p.head_dim;
}
inline std::int64_t attn_kv_elems(const GpuAttentionProblem& p) {
    return p.batch * p.seq_k * p.kv_heads * p.head_dim;
}
inline std::int64_t attn_lse_elems(const GpuAttentionProblem& p) {
    return p.batch * p.heads * p.seq_q;
}

// Throws UsageError naming the problem: sizes <= 0, heads not a multiple of kv_heads, causal
// with seq_q > seq_k, a dtype other than bf16/fp16, element counts that overflow.
void check_gpu_attention_problem(const GpuAttentionProblem& p);

std::string describe(
    const GpuAttentionProblem& p);  // "bf16 fwd b4 h32/32 sq4096 sk4096 d128 causal"

}  // namespace flopmeter
