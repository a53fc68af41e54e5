#include "kernels/attention/attention_problem.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "core/memory_info.hpp"

namespace flopmeter {

double attention_scale(const AttentionProblem& p) {
    return p.scale != 0.0 ? p.scale : 1.0 / std::sqrt(double(p.shape.head_dim));
}

AttentionSizes attention_sizes(const flops::AttentionShape& s) {
    AttentionSizes z;
    z.q = s.batch * s.seq_q * s.heads * s.head_dim;
    z.k = s.batch * s.seq_k * s.kv_heads * s.head_dim;
    z.v = s.batch * s.seq_k * s.kv_heads * s.value_dim;
    z.o = s.batch * s.seq_q * s.heads * s.value_dim;
    z.lse = s.batch * s.heads * s.seq_q;
    return z;
}

double attention_kv_elem_bytes(const AttentionProblem& p) {
    switch (p.kv) {
        case KvCache::bf16:
            return 2.0;
        case KvCache::int8:
            return 1.0;
        case KvCache::same:
            break;
    }
    return double(dtype_size(p.dtype));
}

double attention_kv_scale_bytes(const AttentionProblem& p) {
    return p.kv == KvCache::int8 ? 4.0 : 0.0;
}

double attention_footprint_bytes(const AttentionProblem& p, AttentionPass pass) {
    const double in = double(dtype_size(p.dtype));
    if (p.kv != KvCache::same)
        return flops::attention_decode_bytes(p.shape, in, attention_kv_elem_bytes(p),
                                             attention_kv_scale_bytes(p), 4.0);
    const flops::AttentionBytes b = pass_has_bwd(pass)
                                        ? flops::attention_bwd_bytes(p.shape, in, 4.0)
                                        : flops::attention_fwd_bytes(p.shape, in, 4.0);
    return b.total();
}

void check_attention_problem(const AttentionProblem& p, AttentionPass pass) {
    const flops::AttentionShape& s = p.shape;
    auto dim = [](const char* name, std::int64_t v) {
        if (v <= 0)
            throw UsageError(std::string("attention ") + name + "=" + std::to_string(v) +
                             " must be a positive integer");
    };
    dim("batch", s.batch);
    dim("heads", s.heads);
    dim("kv_heads", s.kv_heads);
    dim("seq_q", s.seq_q);
    dim("seq_k", s.seq_k);
    dim("head_dim", s.head_dim);
    dim("value_dim", s.value_dim);
    if (s.heads % s.kv_heads != 0)
        throw UsageError("attention heads=" + std::to_string(s.heads) +
                         " is not divisible by kv_heads=" + std::to_string(s.kv_heads) +
                         " (each key/value head serves heads/kv_heads query heads)");
    for (auto [name, d] :
         {std::pair<const char*, std::int64_t>{"head_dim", s.head_dim}, {"value_dim", s.value_dim}})
        if (d > kAttentionMaxHeadDim)
            throw UsageError(std::string("attention ") + name + "=" + std::to_string(d) +
                             " is above the supported limit of " +
                             std::to_string(kAttentionMaxHeadDim) + " (see docs/attention.md)");
    if (p.dtype != DType::fp32 && p.dtype != DType::bf16)
        throw UsageError("attention supports dtypes fp32 and bf16, not " +
                         std::string(dtype_name(p.dtype)));
    if (p.kv != KvCache::same && (pass != AttentionPass::fwd || s.seq_q > kAttentionDecodeMaxSeqQ))
        throw UsageError("a " + std::string(kv_cache_name(p.kv)) +
                         " KV cache is read by the decode forward only (--pass fwd, Sq <= " +
                         std::to_string(kAttentionDecodeMaxSeqQ) + "), not " +
                         std::string(attention_pass_name(pass)) +
                         " with Sq=" + std::to_string(s.seq_q));
    if (!std::isfinite(p.scale) || p.scale < 0.0)
        throw UsageError(
            "attention scale must be a finite positive number (0 means 1/sqrt(head_dim))");
    // Element counts (and the S x S products the formulas form) must index with int64, with room
    // for byte offsets.
    constexpr double kMaxElems = 9.0e18 / 16.0;
    const double q = double(s.batch) * double(s.seq_q) * double(s.heads) * double(s.head_dim);
    const double o = double(s.batch) * double(s.seq_q) * double(s.heads) * double(s.value_dim);
    const double k = double(s.batch) * double(s.seq_k) * double(s.kv_heads) *
                     double(std::max(s.head_dim, s.value_dim));
    const double pairs = double(s.batch) * double(s.heads) * double(s.seq_q) * double(s.seq_k);
    if (q > kMaxElems || o > kMaxElems || k > kMaxElems || pairs > kMaxElems)
        throw UsageError("attention " + describe(p) +
                         ": the tensor sizes overflow 64-bit indexing");
    const double need = attention_footprint_bytes(p, pass);
    const double have = double(available_memory_bytes());
    if (have > 0 && need > 0.8 * have) {
        char buf[256];
        std::snprintf(
            buf, sizeof buf,
            "attention %s needs %.2f GiB for its tensors but only %.2f GiB of memory is available; "
            "choose smaller sizes",
            describe(p).c_str(), need / 1073741824.0, have / 1073741824.0);
        throw UsageError(buf);
    }
}

std::string describe(const AttentionProblem& p) {
    const flops::AttentionShape& s = p.shape;
    std::string r = std::string(dtype_name(p.dtype)) + " b" + std::to_string(s.batch) + " h" +
                    std::to_string(s.heads) + " g" + std::to_string(s.kv_heads) + " sq" +
                    std::to_string(s.seq_q) + " sk" + std::to_string(s.seq_k) + " d" +
                    std::to_string(s.head_dim);
    if (s.value_dim != s.head_dim) r += " dv" + std::to_string(s.value_dim);
    if (s.causal) r += " causal";
    if (p.kv != KvCache::same) r += " kv " + std::string(kv_cache_name(p.kv));
    return r;
}

}  // namespace flopmeter
