// Parameter counts computed from the architecture, by part, so they can be shown and checked
// against the published counts (tests/test_costmodel_params.cpp).
#pragma once

#include <cstdint>

#include "costmodel/model_config.hpp"

namespace flopmeter::cost {

struct ParamCount {
    // Whole model. Counts are doubles: a 1e12-parameter model times anything overflows nothing.
    double token_embedding = 0;     // vocab x hidden
    double position_embedding = 0;  // learned absolute positions (GPT-2/3)
    double lm_head = 0;             // 0 when tied to the token embedding
    double attention = 0;  // Q, K, V, output projections (+ biases, + relative-position projection)
    double mlp = 0;        // all experts for MoE
    double router = 0;     // MoE gate
    double norms = 0;      // per-layer and final norm weights (and biases for LayerNorm)

    double total() const {
        return token_embedding + position_embedding + lm_head + attention + mlp + router + norms;
    }
    double embedding() const { return token_embedding + position_embedding + lm_head; }
    double non_embedding() const { return total() - embedding(); }
    // Parameters a token passes through: for MoE only top_k of the experts' MLPs.
    double active = 0;
    // Multi-token prediction modules (beside the main model, as DeepSeek-V3 counts them: its
    // 671B excludes them); they share the embedding and head.
    double mtp = 0;
};

// Per-layer parts (one transformer block), used by memory and optimizer accounting.
struct LayerParams {
    double attention = 0, mlp = 0, router = 0, norms = 0;
    double total() const { return attention + mlp + router + norms; }
};

// A layer of the model's MoE kind (dense when the model is dense).
LayerParams layer_params(const ModelConfig& m);
LayerParams layer_params(const ModelConfig& m, bool moe_layer);
// One MLP of `ffn` inner size (one expert, the shared experts' fused MLP, or a dense MLP).
double mlp_params(const ModelConfig& m, std::int64_t ffn);
// Attention parameters of one layer (Q, K, V, output; MLA's down/up projections and their norms).
double attention_params(const ModelConfig& m);
ParamCount count_params(const ModelConfig& m);

}  // namespace flopmeter::cost
