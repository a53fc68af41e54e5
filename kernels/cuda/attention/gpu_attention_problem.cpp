#include "kernels/cuda/attention/gpu_attention_problem.hpp"

#include "core/error.hpp"

namespace flopmeter {

double gpu_attention_model_flops(const GpuAttentionProblem& p) {
    const flops::AttentionShape s = attention_shape(p);
    return p.backward ? flops::attention_bwd_model_flops(s) : flops::attention_fwd_model_flops(s);
}

double gpu_attention_flash_flops(const GpuAttentionProblem& p) {
    const double f = flops::attention_fwd_flash_flops(attention_shape(p));
    return p.backward ? 2.5 * f : f;
}

double gpu_attention_bytes(const GpuAttentionProblem& p) {
    const double e = double(gpu_storage_size(p.dtype));
    const double q = double(attn_q_elems(p)) * e, kv = double(attn_kv_elems(p)) * e,
                 lse = double(attn_lse_elems(p)) * 4.0;
    if (!p.backward) return q + 2 * kv + q + lse;      // Q, K, V in; O, LSE out
    return (q + 2 * kv + 2 * q + lse) + (q + 2 * kv);  // Q, K, V, O, dO, LSE in; dQ, dK, dV out
}

void check_gpu_attention_problem(const GpuAttentionProblem& p) {
    auto dim = [](const char* name, std::int64_t v) {
        if (v <= 0)
            throw UsageError(std::string("attention ") + name + "=" + std::to_string(v) +
                             " must be a positive integer");
    };
    dim("batch", p.batch);
    dim("heads", p.heads);
    dim("kv-heads", p.kv_heads);
    dim("seq-q", p.seq_q);
    dim("seq-k", p.seq_k);
    dim("head-dim", p.head_dim);
    if (p.heads % p.kv_heads != 0)
        throw UsageError("attention heads=" + std::to_string(p.heads) +
                         " must be a multiple of kv-heads=" + std::to_string(p.kv_heads));
    if (p.causal && p.seq_q > p.seq_k)
        throw UsageError(
            "causal attention needs seq-q <= seq-k (queries align to the end of the keys)");
    if (p.dtype != GpuStorage::bf16 && p.dtype != GpuStorage::f16)
        throw UsageError("GPU attention runs bf16 or fp16, not " +
                         std::string(gpu_storage_name(p.dtype)));
    constexpr double kMax = 9.0e18 / 16.0;
    const double q = double(p.batch) * double(p.seq_q) * double(p.heads) * double(p.head_dim);
    const double kv = double(p.batch) * double(p.seq_k) * double(p.kv_heads) * double(p.head_dim);
    const double s = double(p.batch) * double(p.heads) * double(p.seq_q) * double(p.seq_k);
    if (q > kMax || kv > kMax || s > kMax)
        throw UsageError("attention " + describe(p) + ": element counts overflow 64-bit indexing");
}

std::string describe(const GpuAttentionProblem& p) {
    return std::string(gpu_storage_name(p.dtype)) + (p.backward ? " bwd" : " fwd") + " b" +
           std::to_string(p.batch) + " h" + std::to_string(p.heads) + "/" +
           std::to_string(p.kv_heads) + " sq" + std::to_string(p.seq_q) + " sk" +
           std::to_string(p.seq_k) + " d" + std::to_string(p.head_dim) +
           (p.causal ? " causal" : "");
}

}  // namespace flopmeter
