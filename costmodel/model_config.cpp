#include "costmodel/model_config.hpp"

#include "core/error.hpp"

namespace flopmeter::cost {

std::string norm_name(NormKind n) {
    return n == NormKind::layernorm ? "LayerNorm" : "RMSNorm";
}

std::string activation_name(Activation a) {
    switch (a) {
        case Activation::gelu:
            return "gelu";
        case Activation::silu:
            return "silu";
        case Activation::relu:
            return "relu";
    }
    return "?";
}

void validate_model(const ModelConfig& m) {
    const std::string who = "model '" + m.name + "': ";
    auto positive = [&](std::int64_t v, const char* field) {
        if (v <= 0)
            throw UsageError(who + field + " must be a positive integer (got " + std::to_string(v) +
                             ")");
    };
    positive(m.layers, "layers");
    positive(m.hidden, "hidden size");
    positive(m.heads, "attention heads");
    positive(m.kv_heads, "key/value heads");
    positive(m.head_dim, "head dim");
    positive(m.ffn, "MLP size");
    positive(m.vocab, "vocabulary size");
    if (m.heads % m.kv_heads != 0)
        throw UsageError(who + "attention heads (" + std::to_string(m.heads) +
                         ") must be a multiple of key/value heads (" + std::to_string(m.kv_heads) +
                         ")");
    if (m.learned_positions) positive(m.max_positions, "max positions (learned position table)");
    if (m.sliding_window < 0) throw UsageError(who + "sliding window must not be negative");
    if (m.experts < 0 || m.top_k < 0)
        throw UsageError(who + "experts and top-k must not be negative");
    if (m.is_moe() && (m.top_k < 1 || m.top_k > m.experts))
        throw UsageError(who + "top-k (" + std::to_string(m.top_k) +
                         ") must be between 1 and the number of experts (" +
                         std::to_string(m.experts) + ")");
    if (m.moe_ffn < 0 || m.shared_experts < 0 || m.first_dense_layers < 0 || m.route_nodes < 0 ||
        m.mtp_depth < 0)
        throw UsageError(who + "MoE sizes, dense layers and MTP depth must not be negative");
    if (m.first_dense_layers > m.layers)
        throw UsageError(who + "first dense layers (" + std::to_string(m.first_dense_layers) +
                         ") exceed the layers");
    if (m.mla) {
        positive(m.kv_lora_rank, "MLA kv_lora_rank");
        positive(m.qk_nope_dim, "MLA qk_nope_head_dim");
        positive(m.qk_rope_dim, "MLA qk_rope_head_dim");
        positive(m.v_head_dim, "MLA v_head_dim");
        if (m.q_lora_rank < 0) throw UsageError(who + "MLA q_lora_rank must not be negative");
        if (m.kv_heads != m.heads)
            throw UsageError(who + "MLA keeps one key/value head per query head");
    }
}

}  // namespace flopmeter::cost
