#include "costmodel/param_count.hpp"

namespace flopmeter::cost {

namespace {

// Weights of one norm: RMSNorm has a gain; LayerNorm a gain and a bias.
double norm_params(const ModelConfig& m) {
    return (m.norm == NormKind::layernorm ? 2.0 : 1.0) * double(m.hidden);
}

}  // namespace

double mlp_params(const ModelConfig& m, std::int64_t ffn) {
    const double h = double(m.hidden), f = double(ffn);
    const double in_proj = (m.gated_mlp ? 2.0 : 1.0) * h * f;  // gate and up, or up only
    const double bias = m.mlp_bias ? (m.gated_mlp ? 2.0 : 1.0) * f + h : 0.0;
    return in_proj + f * h + bias;
}

double attention_params(const ModelConfig& m) {
    const double h = double(m.hidden), q = double(m.q_dim()), kv = double(m.kv_dim());
    if (m.mla) {
        // DeepSeek-V2 (Liu et al. 2024), section 2.1.2: W_DQ, norm, W_UQ (incl. the RoPE part);
        // W_DKV with the shared RoPE key W_KR, norm, W_UK and W_UV; W_O.
        const double H = double(m.heads), qk = double(m.q_head_dim()), v = double(m.v_head_dim);
        const double qr = double(m.q_lora_rank), kvr = double(m.kv_lora_rank);
        double p = m.q_lora_rank > 0 ? h * qr + qr + qr * H * qk : h * H * qk;
        p += h * (kvr + double(m.qk_rope_dim)) + kvr + kvr * H * (double(m.qk_nope_dim) + v);
        return p + H * v * h;
    }
    double p = h * (q + 2.0 * kv) + q * h;
    if (m.qkv_bias) p += q + 2.0 * kv;
    if (m.out_bias) p += h;
    // Transformer-XL (Gopher/Chinchilla): W_R maps position embeddings to keys, hidden x hidden.
    // Its per-head u, v biases are 2 x hidden more.
    if (m.relative_position_projection) p += h * h + 2.0 * q;
    return p;
}

LayerParams layer_params(const ModelConfig& m) {
    return layer_params(m, m.is_moe());
}

LayerParams layer_params(const ModelConfig& m, bool moe_layer) {
    const double h = double(m.hidden);
    LayerParams p;
    p.attention = attention_params(m);
    if (moe_layer && m.is_moe()) {
        p.mlp = double(m.experts + m.shared_experts) * mlp_params(m, m.expert_ffn());
        p.router = h * double(m.experts);
    } else {
        p.mlp = mlp_params(m, m.ffn);
    }
    p.norms = 2.0 * norm_params(m);
    return p;
}

ParamCount count_params(const ModelConfig& m) {
    const LayerParams lp = layer_params(m), dense = layer_params(m, false);
    const double moe_layers = double(m.moe_layers()), dense_layers = double(m.layers) - moe_layers;
    const double h = double(m.hidden);
    ParamCount c;
    c.token_embedding = double(m.vocab) * h;
    if (m.learned_positions) c.position_embedding = double(m.max_positions) * h;
    c.lm_head = m.tied_embeddings ? 0.0 : double(m.vocab) * h;
    const LayerParams& moe = m.is_moe() ? lp : dense;
    c.attention = double(m.layers) * lp.attention;
    c.mlp = dense_layers * dense.mlp + moe_layers * moe.mlp;
    c.router = moe_layers * moe.router;
    c.norms = double(m.layers) * lp.norms + norm_params(m);  // + the final norm
    c.active = c.total();
    if (m.is_moe())
        c.active -= moe_layers * double(m.experts - m.top_k) * mlp_params(m, m.expert_ffn());
    // Per MTP module: the projection of [h; emb] (2h x h), two input norms, one layer, its norm.
    c.mtp = double(m.mtp_depth) * (lp.total() + 2.0 * h * h + 3.0 * norm_params(m));
    return c;
}

}  // namespace flopmeter::cost
