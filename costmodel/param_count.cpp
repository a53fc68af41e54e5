#include "costmodel/param_count.hpp"

namespace flopmeter::cost {

namespace {

// Weights of one norm: RMSNorm has a gain; LayerNorm a gain and a bias.
double norm_params(const ModelConfig& m) { return (m.norm == NormKind::layernorm ? 2.0 : 1.0) * double(m.hidden); }

// One expert's (or the dense) MLP.
double one_mlp(const ModelConfig& m) {
    const double h = double(m.hidden), f = double(m.ffn);
    const double in_proj = (m.gated_mlp ? 2.0 : 1.0) * h * f;  // gate and up, or up only
    const double bias = m.mlp_bias ? (m.gated_mlp ? 2.0 : 1.0) * f + h : 0.0;
    return in_proj + f * h + bias;
}

}  // namespace

LayerParams layer_params(const ModelConfig& m) {
    const double h = double(m.hidden), q = double(m.q_dim()), kv = double(m.kv_dim());
    LayerParams p;
    p.attention = h * (q + 2.0 * kv) + q * h;
    if (m.qkv_bias) p.attention += q + 2.0 * kv;
    if (m.out_bias) p.attention += h;
    // Transformer-XL (Gopher/Chinchilla): W_R maps position embeddings to keys, hidden x hidden.
    // Its per-head u, v biases are 2 x hidden more.
    if (m.relative_position_projection) p.attention += h * h + 2.0 * q;
    const double experts = m.is_moe() ? double(m.experts) : 1.0;
    p.mlp = experts * one_mlp(m);
    if (m.is_moe()) p.router = h * double(m.experts);
    p.norms = 2.0 * norm_params(m);
    return p;
}

ParamCount count_params(const ModelConfig& m) {
    const LayerParams lp = layer_params(m);
    const double layers = double(m.layers), h = double(m.hidden);
    ParamCount c;
    c.token_embedding = double(m.vocab) * h;
    if (m.learned_positions) c.position_embedding = double(m.max_positions) * h;
    c.lm_head = m.tied_embeddings ? 0.0 : double(m.vocab) * h;
    c.attention = layers * lp.attention;
    c.mlp = layers * lp.mlp;
    c.router = layers * lp.router;
    c.norms = layers * lp.norms + norm_params(m);  // + the final norm
    c.active = c.total();
    if (m.is_moe()) c.active -= layers * double(m.experts - m.top_k) * one_mlp(m);
    return c;
}

}  // namespace flopmeter::cost
