// The frontier parts of the builder (layer_builder.hpp): mixture-of-experts MLPs with shared
// experts and expert parallelism, multi-head latent attention, multi-token prediction and
// context-parallel attention.
#include "costmodel/layer_builder.hpp"

#include <algorithm>

namespace flopmeter::cost::detail {

// Context parallelism with load-balanced causal chunks: this rank holds chunks i and
// 2cp-1-i of c = seq/(2cp) tokens, so it computes 2cp-1 full c x c blocks and 2 causal
// diagonal blocks (exactly a cp-th of the causal pairs), timed as two fused kernels.
void Builder::attention_cp(bool need) {
    const std::int64_t b = s_.batch, c = s_.seq_q / 2, hd = m_.q_head_dim(),
                       vd = m_.v_dim_per_head();
    const std::int64_t cp = s_.cp;
    auto part = [&](const std::string& name, std::int64_t batch, bool causal,
                    double noncausal_pairs_share) {
        flops::AttentionShape a{batch, hd_, kvd_, c, c, hd, vd, causal};
        flops::AttentionShape whole{b, hd_, kvd_, s_.seq_q, s_.seq_q * cp, hd, vd, false};
        Op op;
        op.name = name;
        op.group = OpGroup::attention;
        op.timing = Timing::attention;
        op.attn = AttentionQuery{
            batch, hd_, kvd_, c, c, hd, vd, causal, false, s_.dtype, s_.attention_kernel};
        op.model_flops = op.executed_flops = flops::attention_fwd_model_flops(a);
        op.model_flops_noncausal = flops::attention_fwd_model_flops(whole) * noncausal_pairs_share;
        fwd(op);
        if (!need) return;
        auto e = bwd_emitter();
        bwd([=, this] {
            Op o = op;
            o.name = name + ".bwd";
            o.phase = Phase::backward_data;
            o.attn.backward = true;
            o.model_flops = o.executed_flops = flops::attention_bwd_model_flops(a);
            o.model_flops_noncausal =
                flops::attention_bwd_model_flops(whole) * noncausal_pairs_share;
            e(o);
        });
    };
    // Non-causal convention: all 4cp c^2 pairs of the rank's queries, shared by block count.
    const double blocks = double(2 * cp + 1);
    part("attn.core", b * (2 * cp - 1), false, double(2 * cp - 1) / blocks);
    part("attn.core.diag", 2 * b, true, 2.0 / blocks);
    if (need) save("attn.lse", double(b * hd_ * s_.seq_q) * 4.0);
}

// One MLP (a dense one, the experts batched, or the shared experts fused into one).
void Builder::mlp_block(const std::string& p, const std::string& in, std::int64_t f,
                        std::int64_t experts, double rows) {
    const std::int64_t h = m_.hidden, up_out = (m_.gated_mlp ? 2 : 1) * f;
    Linear up{p + ".up",    in,
              OpGroup::mlp, h,
              up_out,       experts,
              rows,         adapters_for({{"gate", Adapter{h, f}}, {"up", Adapter{h, f}}})};
    // Under FP8 the experts' input is cast before the dispatch, once per token, not per copy
    // (DeepSeek-V3 section 3.3.3: "quantize the activation before MoE up-projections into FP8
    // and then apply dispatch components").
    if (experts > 1) {
        up.quant_rows = double(tokens_);
        up.cast_of = "norm2.out";  // the shared experts read the same cast
    }
    linear(up);
    const double n = rows * double(f);
    // MoE SwiGLU inputs are cached in FP8 under FP8 training, and DeepSeek-V3's recipe
    // recomputes the SwiGLU output in backward instead of keeping it (section 3.3.3), so the
    // down-projection's input is not kept; here with the rest of its published selective
    // recomputation (mla_selective).
    const double kept = s_.fp8 && experts > 1 ? 1.0 + 4.0 / 128.0 : act_;
    const bool rerun = experts > 1 && m_.gated_mlp && mla_selective();
    if (m_.gated_mlp)
        pointwise(p + ".act", OpGroup::activation, MemOpKind::elementwise, 3.0 * n * act_, 6.0 * n,
                  5.0 * n * act_, 10.0 * n, p + ".up_out", 2.0 * n * kept, rerun);
    else
        pointwise(p + ".act", OpGroup::activation, MemOpKind::elementwise, 2.0 * n * act_, 8.0 * n,
                  3.0 * n * act_, 12.0 * n, p + ".up_out", n * act_);
    Linear down{p + ".down", p + ".act_out", OpGroup::mlp, f,
                h,           experts,        rows,         adapters_for({{"down", Adapter{f, h}}})};
    down.input_recomputed = rerun;
    // The output gradient reaches the experts in FP8 too: cast per token before the backward
    // dispatch ("the activation gradient before MoE down-projections", section 3.3.3).
    if (experts > 1) down.grad_quant_rows = double(tokens_);
    linear(down);
}

void Builder::mlp(bool moe) {
    const double T = double(tokens_);
    const std::int64_t h = m_.hidden;
    if (!moe) {
        mlp_block("mlp", "norm2.out", m_.ffn / s_.tp, 1, T);
        return;
    }
    // Router (replicated over tensor-parallel ranks, kept in 16-bit), then each token's top-k
    // experts. Under expert parallelism this device runs experts / ep of them on the tokens
    // the all-to-all brings (T x top_k on average; comm_plan.cpp times the exchange).
    const std::int64_t E = m_.experts, f = m_.expert_ffn() / s_.tp;
    Linear router{"moe.router", "norm2.out", OpGroup::router, h, E, 1, T, {}, false};
    linear(router);
    pointwise("moe.topk", OpGroup::router, MemOpKind::softmax, 2.0 * T * double(E) * 4.0,
              5.0 * T * double(E), 3.0 * T * double(E) * 4.0, 3.0 * T * double(E), "moe.probs",
              T * double(E) * 4.0);
    const double rows = T * double(m_.top_k);
    // The permutation to expert order moves the tokens as dispatched: FP8 with their tile scales
    // under FP8 training (section 3.3.3); its backward moves 16-bit gradients.
    const double moved = s_.fp8 ? 2.0 * flops::fp8_tile_scaled_bytes(std::int64_t(rows) * h)
                                : 2.0 * rows * double(h) * act_;
    pointwise("moe.dispatch", OpGroup::router, MemOpKind::copy, moved, 0,
              2.0 * rows * double(h) * act_, 0);
    mlp_block("mlp", "moe.in", f, std::max<std::int64_t>(1, E / s_.ep), rows);
    // Backward: the experts' outputs read for the gate gradients, and the output gradient's
    // copies permuted to expert order (FP8 with their scales under FP8 training, as dispatched).
    const double grad_moved = s_.fp8 ? 2.0 * flops::fp8_tile_scaled_bytes(std::int64_t(rows) * h)
                                     : 2.0 * rows * double(h) * act_;
    pointwise("moe.combine", OpGroup::router, MemOpKind::copy,
              2.0 * rows * double(h) * act_ + T * double(h) * act_, rows * double(h),
              rows * double(h) * act_ + grad_moved, rows * double(h));
    if (m_.shared_experts > 0)
        mlp_block("mlp.shared", "norm2.out", m_.shared_experts * m_.expert_ffn() / s_.tp, 1, T);
}

// Multi-head latent attention projections (DeepSeek-V2, section 2.1): queries through the
// q_lora_rank latent, keys/values from the kv_lora_rank latent plus one shared RoPE key.
// The down-projections are replicated over tensor-parallel ranks; the up-projections split by
// heads.
void Builder::mla_projections() {
    const double T = double(tokens_);
    const std::int64_t h = m_.hidden, qk = m_.q_head_dim(), v = m_.v_head_dim,
                       rope = m_.qk_rope_dim;
    const std::int64_t qr = m_.q_lora_rank, kvr = m_.kv_lora_rank;
    const bool rc = mla_selective();
    auto latent_norm = [&](const std::string& name, std::int64_t width) {
        const double n = T * double(width);
        pointwise(name, OpGroup::norm, MemOpKind::norm, 2.0 * n * act_, 6.0 * n, 3.0 * n * act_,
                  12.0 * n, name + ".in", n * act_, rc);
    };
    if (qr > 0) {
        linear(Linear{"attn.q_a", "norm1.out", OpGroup::qkv, h, qr, 1, T, {}});
        latent_norm("attn.q_norm", qr);
        linear(
            Linear{"attn.q_b", "attn.q_norm.out", OpGroup::qkv, qr, hd_ * qk, 1, T, {}, true, rc});
    } else {
        linear(Linear{"attn.q", "norm1.out", OpGroup::qkv, h, hd_ * qk, 1, T, {}});
    }
    linear(Linear{"attn.kv_a", "norm1.out", OpGroup::qkv, h, kvr + rope, 1, T, {}});
    latent_norm("attn.kv_norm", kvr);
    linear(Linear{"attn.kv_b",
                  "attn.kv_norm.out",
                  OpGroup::qkv,
                  kvr,
                  hd_ * (m_.qk_nope_dim + v),
                  1,
                  T,
                  {},
                  true,
                  rc});
    const double n = T * double(hd_ * rope + rope);
    pointwise("attn.rope", OpGroup::attention, MemOpKind::elementwise, 2.0 * n * act_, 3.0 * n,
              2.0 * n * act_, 3.0 * n);
}

// A multi-token prediction module (DeepSeek-V3, section 2.2): the next token's embedding
// (shared table) and the previous depth's hidden state, each normalised, concatenated and
// projected (2h -> h), one transformer layer, then the shared output head.
void Builder::mtp_module(std::int64_t d) {
    repeat_ = 1;
    upstream_ = training();
    const std::string p = "mtp" + std::to_string(d + 1);
    saved_.clear();
    cast_.clear();
    recast_.clear();
    const double n = double(tokens_) * double(m_.hidden);
    fwd(mem_op(p + ".embed", OpGroup::embedding, Phase::forward, MemOpKind::embedding,
               2.0 * n * act_, 0));
    // The shared table's gradient from this lookup: a scatter-add, as for the main embedding.
    if (base_trainable()) {
        auto e = bwd_emitter();
        bwd([=, this] {
            e(mem_op(p + ".embed.bwd", OpGroup::embedding, Phase::backward_weight,
                     MemOpKind::embedding, 3.0 * n * act_, n));
        });
    }
    norm(p + ".hnorm", p + ".hnorm.in");
    norm(p + ".enorm", p + ".enorm.in");
    linear(Linear{
        p + ".proj", p + ".cat", OpGroup::mtp, 2 * m_.hidden, m_.hidden, 1, double(tokens_), {}});
    for (const auto& sv : saved_) out_.saved_outside_layers += sv.bytes;
    layer(1, true, m_.is_moe(), 1);
    head(p + ".");
}

}  // namespace flopmeter::cost::detail
