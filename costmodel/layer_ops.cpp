#include "costmodel/layer_ops.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "costmodel/layer_builder.hpp"
#include "costmodel/lora.hpp"

namespace flopmeter::cost {

std::int64_t heads_per_device(const ModelConfig& m, int tp) {
    return m.heads / tp;
}
std::int64_t kv_heads_per_device(const ModelConfig& m, int tp) {
    return std::max<std::int64_t>(1, m.kv_heads / tp);
}

namespace detail {

OpList Builder::build(const StageSpec& st) {
    if (st.first) embedding();
    // MoE models: the first `first_dense_layers` layers of the model are dense.
    const std::int64_t dense =
        m_.is_moe() ? std::clamp<std::int64_t>(m_.first_dense_layers - st.first_layer, 0, st.layers)
                    : st.layers;
    layer_run(dense, false, st.first);
    layer_run(st.layers - dense, true, st.first && dense == 0);
    if (st.last && training())
        for (std::int64_t d = 0; d < m_.mtp_depth; ++d) mtp_module(d);
    if (st.last) head("");
    for (auto it = backward_.rbegin(); it != backward_.rend(); ++it) (*it)();
    return std::move(out_);
}

void Builder::layer_run(std::int64_t n, bool moe, bool model_first) {
    if (n <= 0) return;
    const bool lora = bwd_ && bwd_->mode == Mode::lora;
    // Under LoRA the embedding is frozen: in the model's first layer nothing before the
    // first adapter needs a gradient, so those backward ops are never run.
    if (lora && model_first) {
        layer(1, false, moe, 1);
        if (n > 1) layer(double(n - 1), !lora_.empty(), moe, double(n - 1));
    } else {
        layer(double(n), true, moe, double(n));
    }
}

void Builder::linear(const Linear& L) {
    const DType d = s_.dtype;
    const std::int64_t rows = L.experts > 1 ? rows_per_expert(L) : std::int64_t(L.rows);
    const double exact = L.rows * flops::gemm_model_flops(1, L.out, L.in);
    const bool fp8 = s_.fp8 && L.fp8;
    Op f = gemm_op(L.name, L.group, Phase::forward, rows, L.out, L.in, Layout::nn, d, L.experts,
                   exact);
    f.fp8 = fp8;
    fwd(f, L.recompute);
    // FP8 GEMMs read operands quantized just before them: the input is cast (16-bit read,
    // 8-bit and a scale per 1x128 tile written) in forward, once per tensor however many GEMMs
    // read it; the output gradient twice in backward (row- and column-wise scaled, for dX and
    // dW): DeepSeek-V3 section 3.3.2's online tile quantization, Transformer Engine's casts.
    if (fp8 && cast_.insert(L.cast_of.empty() ? L.input : L.cast_of).second) {
        const double qrows = L.quant_rows >= 0 ? L.quant_rows : L.rows;
        fwd(mem_op(L.name + ".quant", L.group, Phase::forward, MemOpKind::copy,
                   flops::fp8_quant_bytes(qrows * double(L.in), act_), 0),
            L.recompute || L.input_recomputed);
    }
    const bool train_w = base_trainable();
    const std::int64_t r = training() && bwd_->mode == Mode::lora ? bwd_->lora.rank : 0;
    for (const auto& a : L.adapters) {
        const std::int64_t T = std::int64_t(L.rows);
        fwd(gemm_op(L.name + ".lora_a", OpGroup::lora, Phase::forward, T, r, a.in, Layout::nn, d));
        fwd(gemm_op(L.name + ".lora_b", OpGroup::lora, Phase::forward, T, a.out, r, Layout::nn, d));
        fwd(mem_op(L.name + ".lora_add", OpGroup::lora, Phase::forward, MemOpKind::elementwise,
                   3.0 * double(T) * double(a.out) * act_, double(T) * double(a.out)));
        save(L.name + ".lora_xa", double(T) * double(r) * act_);
    }
    // With sequence parallelism a full-hidden input is kept sharded and gathered again in
    // backward (Korthikanti et al. 2022), so it costs a tp-th.
    const bool gathered = s_.sequence_parallel && L.in == m_.hidden && L.experts == 1;
    // FP8 GEMMs keep their inputs for the weight gradient in FP8 (DeepSeek-V3 report, section
    // 3.3.3; Transformer Engine alike): one byte per value.
    const double kept = fp8 ? 1.0 + 4.0 / 128.0 : act_;  // FP8: with its 1x128 tiles' scales
    if ((train_w || !L.adapters.empty()) && !L.input_recomputed)
        save(L.input, L.rows * double(L.in) * kept / (gathered ? double(s_.tp) : 1.0));
    // The weight gradient reads the cached FP8 input re-tiled along the tokens (once per tensor);
    // an input recomputed in 16 bits is cast along the tokens directly.
    const bool recast = fp8 && train_w && recast_.insert(L.input).second;
    const double recast_bytes = rerun_tensor(L.input)
                                    ? flops::fp8_quant_bytes(L.rows * double(L.in), act_)
                                    : flops::fp8_requant_transposed_bytes(L.rows * double(L.in));
    const bool need_dx = upstream_;
    if (train_w || !L.adapters.empty()) upstream_ = true;
    auto e = bwd_emitter();
    bwd([=, this] {
        for (const auto& a : L.adapters) {
            const std::int64_t T = std::int64_t(L.rows);
            e(gemm_op(L.name + ".lora_b.dW", OpGroup::lora, Phase::backward_weight, r, a.out, T,
                      Layout::tn, d));
            e(gemm_op(L.name + ".lora_b.dX", OpGroup::lora, Phase::backward_data, T, r, a.out,
                      Layout::nt, d));
            e(gemm_op(L.name + ".lora_a.dW", OpGroup::lora, Phase::backward_weight, a.in, r, T,
                      Layout::tn, d));
            if (need_dx)
                e(gemm_op(L.name + ".lora_a.dX", OpGroup::lora, Phase::backward_data, T, a.in, r,
                          Layout::nt, d));
        }
        // The output gradient row-wise for dX, column-wise for dW (a frozen weight needs none).
        const double grad = L.rows * double(L.out);
        const bool moe_grad = L.grad_quant_rows >= 0;
        const double cast_rows = moe_grad ? L.grad_quant_rows : L.rows;
        double rows_cast = 0, cols_cast = 0;
        if (need_dx) rows_cast = flops::fp8_quant_bytes(cast_rows * double(L.out), act_);
        if (train_w)
            cols_cast = moe_grad ? flops::fp8_requant_transposed_bytes(grad)
                                 : flops::fp8_quant_bytes(grad, act_);
        if (fp8 && rows_cast + cols_cast > 0)
            e(mem_op(L.name + ".quant.bwd", L.group, Phase::backward_data, MemOpKind::copy,
                     rows_cast + cols_cast, 0));
        if (recast)
            e(mem_op(L.name + ".requant.bwd", L.group, Phase::backward_weight, MemOpKind::copy,
                     recast_bytes, 0));
        if (need_dx) {
            Op x =
                gemm_op(L.name + ".dX", L.group, Phase::backward_data, rows, L.in, L.out,
                        Layout::nt, d, L.experts, L.rows * flops::gemm_model_flops(1, L.in, L.out));
            x.fp8 = fp8;
            e(x);
        }
        if (train_w) {
            // dW = X^T dY: the token dimension is the inner one.
            Op w =
                gemm_op(L.name + ".dW", L.group, Phase::backward_weight, L.in, L.out, rows,
                        Layout::tn, d, L.experts, L.rows * flops::gemm_model_flops(1, L.out, L.in));
            w.fp8 = fp8;
            e(w);
        }
    });
}

// A memory-bound op whose backward reads `bwd_factor` times its forward tensor size.
void Builder::pointwise(const std::string& name, OpGroup g, MemOpKind k, double fwd_bytes,
                        double fwd_flops, double bwd_bytes, double bwd_flops,
                        const std::string& saves, double save_bytes, bool recompute) {
    fwd(mem_op(name, g, Phase::forward, k, fwd_bytes, fwd_flops), recompute);
    if (!upstream_) return;
    if (!saves.empty()) save(saves, save_bytes);
    auto e = bwd_emitter();
    bwd([=, this] { e(mem_op(name + ".bwd", g, Phase::backward_data, k, bwd_bytes, bwd_flops)); });
}

void Builder::norm(const std::string& name, const std::string& input, bool recompute) {
    const double n = norm_tokens_ * double(m_.hidden);
    const double per =
        m_.norm == NormKind::layernorm ? 8.0 : 6.0;  // arithmetic per element, for the record
    pointwise(name, OpGroup::norm, MemOpKind::norm, 2.0 * n * act_, per * n, 3.0 * n * act_,
              2.0 * per * n, input, n * act_, recompute);
}

void Builder::residual(const std::string& name) {
    const double n = norm_tokens_ * double(m_.hidden);
    pointwise(name, OpGroup::residual, MemOpKind::elementwise, 3.0 * n * act_, n, 3.0 * n * act_,
              n);
}

std::vector<Adapter> Builder::adapters_for(
    std::initializer_list<std::pair<const char*, Adapter>> parts) const {
    std::vector<Adapter> v;
    for (const auto& [name, a] : parts)
        if (lora_.count(name)) v.push_back(a);
    return v;
}

void Builder::attention() {
    const std::int64_t b = s_.batch, sq = s_.seq_q, sk = s_.seq_k, hd = m_.q_head_dim(),
                       vd = m_.v_dim_per_head();
    const double T = double(tokens_);
    flops::AttentionShape shape{b, hd_, kvd_, sq, sk, hd, vd, s_.causal};
    flops::AttentionShape full = shape;
    full.causal = false;
    const double fwd_model = flops::attention_fwd_model_flops(shape);
    const double fwd_full = flops::attention_fwd_model_flops(full);
    const double bwd_model = flops::attention_bwd_model_flops(shape);
    const double bwd_full = flops::attention_bwd_model_flops(full);
    const bool need = upstream_;
    if (need) {
        save("attn.qkv", T * double((hd_ + kvd_) * hd + kvd_ * vd) * act_);
        // Under FP8 the output projection keeps its input in 8 bits (DeepSeek-V3 section 3.3.3
        // uses 12-bit E5M6 for this one tensor; Transformer Engine FP8).
        save("attn.ctx", T * double(hd_ * vd) * (s_.fp8 ? 1.0 : act_));
    }
    if (s_.cp > 1) {
        attention_cp(need);
        return;
    }
    if (s_.attention == AttentionImpl::fused) {
        Op op;
        op.name = "attn.core";
        op.group = OpGroup::attention;
        op.timing = Timing::attention;
        op.attn = AttentionQuery{
            b, hd_, kvd_, sq, sk, hd, vd, s_.causal, false, s_.dtype, s_.attention_kernel};
        op.model_flops = op.executed_flops = fwd_model;
        op.model_flops_noncausal = fwd_full;
        fwd(op);
        if (!need) return;
        save("attn.lse", double(b * hd_ * sq) * 4.0);
        auto e = bwd_emitter();
        bwd([=, this] {
            Op o = op;
            o.name = "attn.core.bwd";
            o.phase = Phase::backward_data;
            o.attn.backward = true;
            o.model_flops = o.executed_flops = bwd_model;
            o.model_flops_noncausal = bwd_full;
            e(o);
        });
        return;
    }
    // Explicit: every (query, key) score is computed; the model FLOPs of the attention it
    // implements (exact pairs) are spread over its matmuls so totals match the fused path.
    const std::int64_t bh = b * hd_;
    const double scores = double(bh) * double(sq) * double(sk);
    Op qk = gemm_op("attn.qk", OpGroup::attention, Phase::forward, sq, sk, hd, Layout::nt, s_.dtype,
                    bh);
    qk.model_flops = fwd_model / 2, qk.model_flops_noncausal = fwd_full / 2;
    Op pv = gemm_op("attn.pv", OpGroup::attention, Phase::forward, sq, vd, sk, Layout::nn, s_.dtype,
                    bh);
    pv.model_flops = fwd_model / 2, pv.model_flops_noncausal = fwd_full / 2;
    const bool selective = training() && bwd_->recompute != Recompute::none;
    fwd(qk, selective);
    fwd(mem_op("attn.softmax", OpGroup::attention, Phase::forward, MemOpKind::softmax,
               2.0 * scores * act_, 5.0 * scores),
        selective);
    // Dropout on the probabilities (GPT-2/GPT-3-style models): one more pass over the scores,
    // writing the dropped probabilities and a one-byte mask; backward keeps both
    // (Korthikanti et al. 2022, section 4.1: 2 a s^2 b and a s^2 b bytes). A fused kernel
    // applies it in registers, so only this explicit path pays it.
    const bool dropout = m_.attention_dropout && training();
    if (dropout)
        fwd(mem_op("attn.dropout", OpGroup::attention, Phase::forward, MemOpKind::elementwise,
                   scores * (2.0 * act_ + 1.0), scores),
            selective);
    fwd(pv);
    if (!need) return;
    if (!selective) save("attn.probs", scores * act_);
    if (!selective && dropout) save("attn.dropout", scores * (act_ + 1.0));
    auto e = bwd_emitter();
    bwd([=, this] {
        auto part = [&](Op o) {
            o.model_flops = bwd_model / 4, o.model_flops_noncausal = bwd_full / 4;
            e(o);
        };
        part(gemm_op("attn.pv.dP", OpGroup::attention, Phase::backward_data, sq, sk, vd, Layout::nt,
                     s_.dtype, bh));
        part(gemm_op("attn.pv.dV", OpGroup::attention, Phase::backward_weight, sk, vd, sq,
                     Layout::tn, s_.dtype, bh));
        if (dropout)
            e(mem_op("attn.dropout.bwd", OpGroup::attention, Phase::backward_data,
                     MemOpKind::elementwise, scores * (2.0 * act_ + 1.0), scores));
        e(mem_op("attn.softmax.bwd", OpGroup::attention, Phase::backward_data, MemOpKind::softmax,
                 3.0 * scores * act_, 3.0 * scores));
        part(gemm_op("attn.qk.dQ", OpGroup::attention, Phase::backward_data, sq, hd, sk, Layout::nn,
                     s_.dtype, bh));
        part(gemm_op("attn.qk.dK", OpGroup::attention, Phase::backward_weight, sk, hd, sq,
                     Layout::tn, s_.dtype, bh));
    });
}

// Transformer-XL relative positions: R' = R W_R (once per micro-batch: positions are shared
// by its sequences), then the query-by-position scores Q R'^T and their shift.
void Builder::relative_positions() {
    const std::int64_t sk = s_.seq_k, sq = s_.seq_q, hd = m_.head_dim, qd = hd_ * hd;
    const std::int64_t bh = s_.batch * hd_;
    const DType d = s_.dtype;
    fwd(gemm_op("attn.relpos_proj", OpGroup::attention, Phase::forward, sk, qd, m_.hidden,
                Layout::nn, d));
    fwd(gemm_op("attn.relpos_scores", OpGroup::attention, Phase::forward, sq, sk, hd, Layout::nt, d,
                bh));
    const double scores = double(bh) * double(sq) * double(sk);
    fwd(mem_op("attn.relpos_shift", OpGroup::attention, Phase::forward, MemOpKind::copy,
               2.0 * scores * act_, 0));
    save("attn.relpos_r", double(sk * qd) * act_);
    if (!upstream_) return;
    const bool train_w = base_trainable();
    auto e = bwd_emitter();
    bwd([=, this] {
        e(mem_op("attn.relpos_shift.bwd", OpGroup::attention, Phase::backward_data, MemOpKind::copy,
                 2.0 * scores * act_, 0));
        e(gemm_op("attn.relpos_scores.dQ", OpGroup::attention, Phase::backward_data, sq, hd, sk,
                  Layout::nn, d, bh));
        e(gemm_op("attn.relpos_scores.dR", OpGroup::attention, Phase::backward_weight, sk, hd, sq,
                  Layout::tn, d, bh));
        if (train_w)  // positions are fixed sinusoids: only W_R's gradient
            e(gemm_op("attn.relpos_proj.dW", OpGroup::attention, Phase::backward_weight, m_.hidden,
                      qd, sk, Layout::tn, d));
    });
}

// `count`: layers the memory model counts for this call (its repeat).
void Builder::layer(double repeat, bool upstream_at_start, bool moe, double count) {
    repeat_ = repeat;
    upstream_ = training() && upstream_at_start;
    if (!training()) upstream_ = false;
    saved_.clear();
    cast_.clear();
    recast_.clear();
    std::vector<Op> recompute;
    recompute_ = training() ? &recompute : nullptr;
    const double T = double(tokens_);
    const std::int64_t h = m_.hidden, hd = m_.head_dim, qd = hd_ * hd, kvd = kvd_ * hd;

    norm("norm1", "norm1.in", mla_selective());
    if (m_.mla) {
        mla_projections();
    } else {
        Linear qkv{
            "attn.qkv",
            "norm1.out",
            OpGroup::qkv,
            h,
            qd + 2 * kvd,
            1,
            T,
            adapters_for({{"q", Adapter{h, qd}}, {"k", Adapter{h, kvd}}, {"v", Adapter{h, kvd}}})};
        linear(qkv);
        if (m_.relative_position_projection) {
            relative_positions();
        } else if (!m_.learned_positions) {
            // Rotary embeddings on Q and K (RoPE models: Llama, Mistral, NeoX).
            const double n = T * double(qd + kvd);
            pointwise("attn.rope", OpGroup::attention, MemOpKind::elementwise, 2.0 * n * act_,
                      3.0 * n, 2.0 * n * act_, 3.0 * n);
        }
    }
    attention();
    const std::int64_t ctx = hd_ * m_.v_dim_per_head();
    Linear o{"attn.out",
             "attn.ctx",
             OpGroup::attn_out,
             ctx,
             h,
             1,
             T,
             adapters_for({{"o", Adapter{ctx, h}}})};
    linear(o);
    residual("residual1");
    norm("norm2", "norm2.in", mla_selective());
    mlp(moe);
    residual("residual2");

    if (training() && !recompute.empty()) {
        for (auto& op : recompute) op.repeat = repeat;
        // Recomputed forward ops run just before the layer's backward.
        bwd([this, recompute] {
            for (const auto& op : recompute) out_.ops.push_back(op);
        });
    }
    if (training()) {
        double one_layer = 0;
        for (const auto& s : saved_) one_layer += s.bytes;
        if (full_recompute()) {
            // Only each layer's input is kept per micro-batch in flight; one layer's full set
            // lives while it is recomputed and run backward: once per device, not per
            // micro-batch in flight (Korthikanti et al. 2022, section 4.1).
            const double in = norm_tokens_ * double(h) * act_;
            out_.saved_per_layer = {{"layer.in", in}};
            out_.saved_layers_total += count * in;
            out_.recompute_working_set = std::max(out_.recompute_working_set, one_layer);
        } else {
            out_.saved_per_layer = saved_;
            out_.saved_layers_total += count * one_layer;
        }
    }
    recompute_ = nullptr;
}

void Builder::embedding() {
    const double n = double(tokens_) * double(m_.hidden);
    const bool train = base_trainable();
    repeat_ = 1;
    const double pos = m_.learned_positions ? 1.0 : 0.0;
    fwd(mem_op("embed.lookup", OpGroup::embedding, Phase::forward, MemOpKind::embedding,
               (2.0 + 2.0 * pos) * n * act_, pos * n));
    if (!train) return;
    auto e = bwd_emitter();
    // Scatter-add of the output gradient into the embedding (and position) table rows.
    bwd([=, this] {
        e(mem_op("embed.lookup.bwd", OpGroup::embedding, Phase::backward_weight,
                 MemOpKind::embedding, (3.0 + 3.0 * pos) * n * act_, (1.0 + pos) * n));
    });
}

// The output head (p: "" for the model's own, "mtpN." for a multi-token prediction module's).
void Builder::head(const std::string& p) {
    repeat_ = 1;
    upstream_ = training() && (base_trainable() || !lora_.empty());
    const double T = double(tokens_);
    const std::int64_t vd = m_.vocab / s_.tp;  // vocabulary-parallel logits
    saved_.clear();
    const std::size_t before = saved_.size();
    norm(p + "final_norm", p + "final_norm.in");
    Linear logits{p + "logits", p + "final_norm.out", OpGroup::logits, m_.hidden, vd, 1, T, {},
                  false};
    linear(logits);
    const double n = T * double(vd);
    pointwise(p + "loss", OpGroup::loss, MemOpKind::softmax, n * act_, 4.0 * n, 2.0 * n * act_,
              2.0 * n, p + "logits", n * act_);
    if (training())
        for (std::size_t i = before; i < saved_.size(); ++i)
            out_.saved_outside_layers += saved_[i].bytes;
}

}  // namespace detail

OpList build_stage_ops(const ModelConfig& m, const PassShape& s, const StageSpec& stage,
                       const BackwardSpec* bwd) {
    if (m.sliding_window > 0 && s.seq_k > m.sliding_window)
        throw UsageError("model '" + m.name + "' uses sliding-window attention (window " +
                         std::to_string(m.sliding_window) +
                         "); sequences longer than the window (" + std::to_string(s.seq_k) +
                         ") are not modelled");
    detail::Builder b(m, s, bwd);
    return b.build(stage);
}

}  // namespace flopmeter::cost
