// A decoder-only transformer's architecture: the numbers that fix every op's shape and every
// parameter. Filled from a built-in preset (presets.hpp) or a Hugging Face config.json
// (hf_config.hpp); plain data, checked by validate_model().
#pragma once

#include <cstdint>
#include <string>

namespace flopmeter::cost {

enum class NormKind { layernorm, rmsnorm };
enum class Activation { gelu, silu, relu };

struct ModelConfig {
    std::string name;
    std::string source;  // where the architecture numbers come from

    std::int64_t layers = 0;
    std::int64_t hidden = 0;
    std::int64_t heads = 0;
    std::int64_t kv_heads = 0;  // == heads for multi-head attention, fewer for GQA, 1 for MQA
    std::int64_t head_dim = 0;  // usually hidden / heads
    std::int64_t ffn = 0;       // MLP inner size (per expert for MoE)
    std::int64_t vocab = 0;
    std::int64_t max_positions = 0;  // context length the model was built for
    std::int64_t default_seq_len =
        0;  // sequence length of its pretraining (the estimate's default)

    bool gated_mlp = false;  // SwiGLU/GeGLU: gate and up projections, then down
    Activation activation = Activation::gelu;
    NormKind norm = NormKind::layernorm;
    bool tied_embeddings = false;    // logits reuse the token embedding matrix
    bool learned_positions = false;  // GPT-2/GPT-3 absolute position table (RoPE has none)
    bool qkv_bias = false, out_bias = false, mlp_bias = false;
    bool parallel_residual = false;  // GPT-NeoX/PaLM: attention and MLP read the same input
    // Dropout on the attention probabilities while training (GPT-2/GPT-3, Megatron GPT): a pass
    // over the S x S scores with explicit attention; fused kernels apply it in registers.
    bool attention_dropout = false;
    // Transformer-XL relative positions (Gopher/Chinchilla): a hidden x hidden projection of
    // the position embeddings per layer, plus a second query-by-position score matmul.
    bool relative_position_projection = false;
    std::int64_t sliding_window = 0;  // 0: full attention

    // Mixture of experts (Mixtral, DeepSeek): `experts` routed MLPs per layer, each token routed
    // to `top_k`; `shared_experts` MLPs every token passes through; the first
    // `first_dense_layers` layers are dense with the `ffn` MLP.
    std::int64_t experts = 0;  // 0 or 1: dense
    std::int64_t top_k = 0;
    std::int64_t moe_ffn = 0;  // one expert's MLP size; 0: `ffn`
    std::int64_t shared_experts = 0;
    std::int64_t first_dense_layers = 0;
    // Node-limited routing (DeepSeek-V3, section 2.1.2): each token goes to experts on at most
    // this many nodes, so it crosses the inter-node link at most this many times. 0: no limit.
    std::int64_t route_nodes = 0;

    // Multi-head latent attention (DeepSeek-V2/V3): queries through a rank-`q_lora_rank`
    // bottleneck, keys and values from a rank-`kv_lora_rank` latent plus a shared RoPE key of
    // `qk_rope_dim`; per-head query/key dim qk_nope_dim + qk_rope_dim, value dim v_head_dim.
    bool mla = false;
    std::int64_t q_lora_rank = 0, kv_lora_rank = 0, qk_nope_dim = 0, qk_rope_dim = 0,
                 v_head_dim = 0;

    // Multi-token prediction modules (DeepSeek-V3, section 2.2): each adds a projection, two
    // norms and one transformer layer, sharing the embedding and output head.
    std::int64_t mtp_depth = 0;

    bool is_moe() const { return experts > 1; }
    bool is_moe_layer(std::int64_t layer) const { return is_moe() && layer >= first_dense_layers; }
    std::int64_t expert_ffn() const { return moe_ffn > 0 ? moe_ffn : ffn; }
    std::int64_t moe_layers() const { return is_moe() ? layers - first_dense_layers : 0; }
    std::int64_t q_head_dim() const { return mla ? qk_nope_dim + qk_rope_dim : head_dim; }
    std::int64_t v_dim_per_head() const { return mla ? v_head_dim : head_dim; }
    std::int64_t q_dim() const { return heads * head_dim; }
    std::int64_t kv_dim() const { return kv_heads * head_dim; }
};

std::string norm_name(NormKind n);
std::string activation_name(Activation a);

// Throws UsageError naming the field when a size is missing (<= 0) or inconsistent
// (heads not a multiple of kv_heads, top_k > experts, ...).
void validate_model(const ModelConfig& m);

}  // namespace flopmeter::cost
