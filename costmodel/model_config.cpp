#include "costmodel/model_config.hpp"

#include "core/error.hpp"

namespace flopmeter::cost {

std::string norm_name(NormKind n) { return n == NormKind::layernorm ? "LayerNorm" : "RMSNorm"; }

std::string activation_name(Activation a) {
    switch (a) {
        case Activation::gelu: return "gelu";
        case Activation::silu: return "silu";
        case Activation::relu: return "relu";
    }
    return "?";
}

void validate_model(const ModelConfig& m) {
    const std::string who = "model '" + m.name + "': ";
    auto positive = [&](std::int64_t v, const char* field) {
        if (v <= 0) throw UsageError(who + field + " must be a positive integer (got " + std::to_string(v) + ")");
    };
    positive(m.layers, "layers");
    positive(m.hidden, "hidden size");
    positive(m.heads, "attention heads");
    positive(m.kv_heads, "key/value heads");
    positive(m.head_dim, "head dim");
    positive(m.ffn, "MLP size");
    positive(m.vocab, "vocabulary size");
    if (m.heads % m.kv_heads != 0)
        throw UsageError(who + "attention heads (" + std::to_string(m.heads) + ") must be a multiple of key/value heads (" +
                         std::to_string(m.kv_heads) + ")");
    if (m.learned_positions) positive(m.max_positions, "max positions (learned position table)");
    if (m.sliding_window < 0) throw UsageError(who + "sliding window must not be negative");
    if (m.experts < 0 || m.top_k < 0) throw UsageError(who + "experts and top-k must not be negative");
    if (m.is_moe() && (m.top_k < 1 || m.top_k > m.experts))
        throw UsageError(who + "top-k (" + std::to_string(m.top_k) + ") must be between 1 and the number of experts (" +
                         std::to_string(m.experts) + ")");
}

}  // namespace flopmeter::cost
