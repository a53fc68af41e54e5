#include "costmodel/layer_ops.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "core/error.hpp"
#include "core/flops.hpp"
#include "costmodel/lora.hpp"

namespace flopmeter::cost {

std::int64_t heads_per_device(const ModelConfig& m, int tp) { return m.heads / tp; }
std::int64_t kv_heads_per_device(const ModelConfig& m, int tp) { return std::max<std::int64_t>(1, m.kv_heads / tp); }

namespace {

// A linear layer Y = X W on one device, optionally with a LoRA adapter on (part of) it.
struct Adapter {
    std::int64_t in = 0, out = 0;
};
struct Linear {
    std::string name, input;  // input: the name of the tensor X (for the saved-activation set)
    OpGroup group;
    std::int64_t in = 0, out = 0;  // K and N per device
    std::int64_t experts = 1;      // MoE: batched over experts
    double rows = 0;               // tokens through it (exact; per expert rounded up for timing)
    std::vector<Adapter> adapters;
    bool fp8 = true;               // may run at the FP8 rate (false: embedding, head, gating)
    bool recompute = false;        // forward rerun in backward under selective recomputation
};

class Builder {
public:
    Builder(const ModelConfig& m, const PassShape& s, const BackwardSpec* bwd)
        : m_(m), s_(s), bwd_(bwd), act_(double(dtype_size(s.dtype))) {
        if (bwd_ && bwd_->mode == Mode::lora) lora_ = lora_target_set(m, bwd_->lora);
        tokens_ = s.batch * s.seq_q;
        norm_tokens_ = s.sequence_parallel ? double(tokens_) / s.tp : double(tokens_);
        hd_ = heads_per_device(m, s.tp);
        kvd_ = kv_heads_per_device(m, s.tp);
    }

    OpList build(const StageSpec& st) {
        if (st.first) embedding();
        // MoE models: the first `first_dense_layers` layers of the model are dense.
        const std::int64_t dense =
            m_.is_moe() ? std::clamp<std::int64_t>(m_.first_dense_layers - st.first_layer, 0, st.layers) : st.layers;
        layer_run(dense, false, st.first);
        layer_run(st.layers - dense, true, st.first && dense == 0);
        if (st.last && training())
            for (std::int64_t d = 0; d < m_.mtp_depth; ++d) mtp_module(d);
        if (st.last) head("");
        for (auto it = backward_.rbegin(); it != backward_.rend(); ++it) (*it)();
        return std::move(out_);
    }

    void layer_run(std::int64_t n, bool moe, bool model_first) {
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

private:
    const ModelConfig& m_;
    const PassShape& s_;
    const BackwardSpec* bwd_;
    double act_;
    std::set<std::string> lora_;
    std::int64_t tokens_ = 0, hd_ = 0, kvd_ = 0;
    double norm_tokens_ = 0;
    OpList out_;
    std::vector<std::function<void()>> backward_;  // pushed in forward order, run reversed
    // State while emitting one layer.
    double repeat_ = 1;
    bool upstream_ = true;       // a trainable parameter lies upstream of the current tensor
    std::vector<Op>* recompute_ = nullptr;
    std::vector<Saved> saved_;

    bool training() const { return bwd_ != nullptr; }
    bool base_trainable() const { return training() && bwd_->mode != Mode::lora; }
    bool full_recompute() const { return training() && bwd_->recompute == Recompute::full; }
    // Selective recomputation of an MLA model, as DeepSeek-V3 publishes it (section 3.2.3): the
    // RMSNorms and the MLA up-projections are recomputed, so their outputs are not kept.
    bool mla_selective() const { return training() && m_.mla && bwd_->recompute == Recompute::selective; }

    Op& emit(Op op) {
        op.repeat = repeat_;
        out_.ops.push_back(std::move(op));
        return out_.ops.back();
    }
    void save(const std::string& name, double bytes) {
        if (!training()) return;
        if (mla_selective() && (name == "norm1.out" || name == "norm2.out" || name == "attn.qkv" ||
                                name == "attn.q_norm.out" || name == "attn.kv_norm.out"))
            return;
        for (const auto& s : saved_)
            if (s.name == name) return;
        saved_.push_back({name, bytes});
    }

    static Op gemm_op(std::string name, OpGroup g, Phase p, std::int64_t m, std::int64_t n, std::int64_t k, Layout l,
                      DType d, std::int64_t batch = 1, double exact_flops = -1) {
        Op op;
        op.name = std::move(name);
        op.group = g;
        op.phase = p;
        op.timing = Timing::gemm;
        op.gemm = GemmQuery{m, n, k, l, d, batch};
        const double f = exact_flops >= 0 ? exact_flops : double(batch) * flops::gemm_model_flops(m, n, k);
        op.executed_flops = f;
        op.model_flops = op.model_flops_noncausal = p == Phase::recompute ? 0.0 : f;
        return op;
    }
    Op mem_op(std::string name, OpGroup g, Phase p, MemOpKind kind, double bytes, double other_flops) const {
        Op op;
        op.name = std::move(name);
        op.group = g;
        op.phase = p;
        op.timing = Timing::memory;
        op.mem = MemQuery{kind, bytes, other_flops};
        op.other_flops = other_flops;
        return op;
    }
    // Forward op, copied into the recompute list when the whole layer is recomputed.
    void fwd(Op op, bool recompute_selective = false) {
        emit(op);
        if (recompute_ && (full_recompute() || recompute_selective)) {
            op.phase = Phase::recompute;
            op.model_flops = op.model_flops_noncausal = 0;
            recompute_->push_back(op);
        }
    }
    void bwd(std::function<void()> f) {
        if (training()) backward_.push_back(std::move(f));
    }
    // Emits in the backward list with the repeat of the layer being built now.
    std::function<void(Op)> bwd_emitter() {
        const double r = repeat_;
        return [this, r](Op op) {
            op.repeat = r;
            out_.ops.push_back(std::move(op));
        };
    }

    // Timing for MoE expert GEMMs: tokens per expert rounded up (a kernel cannot run a
    // fractional row); FLOPs stay exact.
    std::int64_t rows_per_expert(const Linear& L) const {
        return std::int64_t(std::ceil(L.rows * s_.moe_imbalance / double(L.experts)));
    }

    void linear(const Linear& L) {
        const DType d = s_.dtype;
        const std::int64_t rows = L.experts > 1 ? rows_per_expert(L) : std::int64_t(L.rows);
        const double exact = L.rows * flops::gemm_model_flops(1, L.out, L.in);
        const bool fp8 = s_.fp8 && L.fp8;
        Op f = gemm_op(L.name, L.group, Phase::forward, rows, L.out, L.in, Layout::nn, d, L.experts, exact);
        f.fp8 = fp8;
        fwd(f, L.recompute);
        // FP8 GEMMs read operands quantized just before them: the input is cast (16-bit read,
        // 8-bit written) in forward, the output gradient twice in backward (row- and column-wise
        // scaled, for dX and dW): DeepSeek-V3 section 3.3.2's online tile/block quantization,
        // Transformer Engine's casts.
        if (fp8) fwd(mem_op(L.name + ".quant", L.group, Phase::forward, MemOpKind::copy, L.rows * double(L.in) * (act_ + 1.0), 0),
                     L.recompute);
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
        const double kept = fp8 ? 1.0 : act_;
        if (train_w || !L.adapters.empty())
            save(L.input, L.rows * double(L.in) * kept / (gathered ? double(s_.tp) : 1.0));
        const bool need_dx = upstream_;
        if (train_w || !L.adapters.empty()) upstream_ = true;
        auto e = bwd_emitter();
        bwd([=, this] {
            for (const auto& a : L.adapters) {
                const std::int64_t T = std::int64_t(L.rows);
                e(gemm_op(L.name + ".lora_b.dW", OpGroup::lora, Phase::backward_weight, r, a.out, T, Layout::tn, d));
                e(gemm_op(L.name + ".lora_b.dX", OpGroup::lora, Phase::backward_data, T, r, a.out, Layout::nt, d));
                e(gemm_op(L.name + ".lora_a.dW", OpGroup::lora, Phase::backward_weight, a.in, r, T, Layout::tn, d));
                if (need_dx)
                    e(gemm_op(L.name + ".lora_a.dX", OpGroup::lora, Phase::backward_data, T, a.in, r, Layout::nt, d));
            }
            if (fp8)
                e(mem_op(L.name + ".quant.bwd", L.group, Phase::backward_data, MemOpKind::copy,
                         2.0 * L.rows * double(L.out) * (act_ + 1.0), 0));
            if (need_dx) {
                Op x = gemm_op(L.name + ".dX", L.group, Phase::backward_data, rows, L.in, L.out, Layout::nt, d, L.experts,
                               L.rows * flops::gemm_model_flops(1, L.in, L.out));
                x.fp8 = fp8;
                e(x);
            }
            if (train_w) {
                // dW = X^T dY: the token dimension is the inner one.
                Op w = gemm_op(L.name + ".dW", L.group, Phase::backward_weight, L.in, L.out, rows, Layout::tn, d,
                               L.experts, L.rows * flops::gemm_model_flops(1, L.out, L.in));
                w.fp8 = fp8;
                e(w);
            }
        });
    }

    // A memory-bound op whose backward reads `bwd_factor` times its forward tensor size.
    void pointwise(const std::string& name, OpGroup g, MemOpKind k, double fwd_bytes, double fwd_flops,
                   double bwd_bytes, double bwd_flops, const std::string& saves = "", double save_bytes = 0,
                   bool recompute = false) {
        fwd(mem_op(name, g, Phase::forward, k, fwd_bytes, fwd_flops), recompute);
        if (!upstream_) return;
        if (!saves.empty()) save(saves, save_bytes);
        auto e = bwd_emitter();
        bwd([=, this] { e(mem_op(name + ".bwd", g, Phase::backward_data, k, bwd_bytes, bwd_flops)); });
    }

    void norm(const std::string& name, const std::string& input, bool recompute = false) {
        const double n = norm_tokens_ * double(m_.hidden);
        const double per = m_.norm == NormKind::layernorm ? 8.0 : 6.0;  // arithmetic per element, for the record
        pointwise(name, OpGroup::norm, MemOpKind::norm, 2.0 * n * act_, per * n, 3.0 * n * act_, 2.0 * per * n, input,
                  n * act_, recompute);
    }
    void residual(const std::string& name) {
        const double n = norm_tokens_ * double(m_.hidden);
        pointwise(name, OpGroup::residual, MemOpKind::elementwise, 3.0 * n * act_, n, 3.0 * n * act_, n);
    }

    std::vector<Adapter> adapters_for(std::initializer_list<std::pair<const char*, Adapter>> parts) const {
        std::vector<Adapter> v;
        for (const auto& [name, a] : parts)
            if (lora_.count(name)) v.push_back(a);
        return v;
    }

    void attention() {
        const std::int64_t b = s_.batch, sq = s_.seq_q, sk = s_.seq_k, hd = m_.q_head_dim(), vd = m_.v_dim_per_head();
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
            op.attn = AttentionQuery{b, hd_, kvd_, sq, sk, hd, vd, s_.causal, false, s_.dtype};
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
        Op qk = gemm_op("attn.qk", OpGroup::attention, Phase::forward, sq, sk, hd, Layout::nt, s_.dtype, bh);
        qk.model_flops = fwd_model / 2, qk.model_flops_noncausal = fwd_full / 2;
        Op pv = gemm_op("attn.pv", OpGroup::attention, Phase::forward, sq, vd, sk, Layout::nn, s_.dtype, bh);
        pv.model_flops = fwd_model / 2, pv.model_flops_noncausal = fwd_full / 2;
        const bool selective = training() && bwd_->recompute != Recompute::none;
        fwd(qk, selective);
        fwd(mem_op("attn.softmax", OpGroup::attention, Phase::forward, MemOpKind::softmax, 2.0 * scores * act_, 5.0 * scores),
            selective);
        fwd(pv);
        if (!need) return;
        if (!selective) save("attn.probs", scores * act_);
        auto e = bwd_emitter();
        bwd([=, this] {
            auto part = [&](Op o) {
                o.model_flops = bwd_model / 4, o.model_flops_noncausal = bwd_full / 4;
                e(o);
            };
            part(gemm_op("attn.pv.dP", OpGroup::attention, Phase::backward_data, sq, sk, vd, Layout::nt, s_.dtype, bh));
            part(gemm_op("attn.pv.dV", OpGroup::attention, Phase::backward_weight, sk, vd, sq, Layout::tn, s_.dtype, bh));
            e(mem_op("attn.softmax.bwd", OpGroup::attention, Phase::backward_data, MemOpKind::softmax, 3.0 * scores * act_,
                     3.0 * scores));
            part(gemm_op("attn.qk.dQ", OpGroup::attention, Phase::backward_data, sq, hd, sk, Layout::nn, s_.dtype, bh));
            part(gemm_op("attn.qk.dK", OpGroup::attention, Phase::backward_weight, sk, hd, sq, Layout::tn, s_.dtype, bh));
        });
    }

    // Context parallelism with load-balanced causal chunks: this rank holds chunks i and
    // 2cp-1-i of c = seq/(2cp) tokens, so it computes 2cp-1 full c x c blocks and 2 causal
    // diagonal blocks (exactly a cp-th of the causal pairs), timed as two fused kernels.
    void attention_cp(bool need) {
        const std::int64_t b = s_.batch, c = s_.seq_q / 2, hd = m_.q_head_dim(), vd = m_.v_dim_per_head();
        const std::int64_t cp = s_.cp;
        auto part = [&](const std::string& name, std::int64_t batch, bool causal, double noncausal_pairs_share) {
            flops::AttentionShape a{batch, hd_, kvd_, c, c, hd, vd, causal};
            flops::AttentionShape whole{b, hd_, kvd_, s_.seq_q, s_.seq_q * cp, hd, vd, false};
            Op op;
            op.name = name;
            op.group = OpGroup::attention;
            op.timing = Timing::attention;
            op.attn = AttentionQuery{batch, hd_, kvd_, c, c, hd, vd, causal, false, s_.dtype};
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
                o.model_flops_noncausal = flops::attention_bwd_model_flops(whole) * noncausal_pairs_share;
                e(o);
            });
        };
        // Non-causal convention: all 4cp c^2 pairs of the rank's queries, shared by block count.
        const double blocks = double(2 * cp + 1);
        part("attn.core", b * (2 * cp - 1), false, double(2 * cp - 1) / blocks);
        part("attn.core.diag", 2 * b, true, 2.0 / blocks);
        if (need) save("attn.lse", double(b * hd_ * s_.seq_q) * 4.0);
    }

    // Transformer-XL relative positions: R' = R W_R (once per micro-batch: positions are shared
    // by its sequences), then the query-by-position scores Q R'^T and their shift.
    void relative_positions() {
        const std::int64_t sk = s_.seq_k, sq = s_.seq_q, hd = m_.head_dim, qd = hd_ * hd;
        const std::int64_t bh = s_.batch * hd_;
        const DType d = s_.dtype;
        fwd(gemm_op("attn.relpos_proj", OpGroup::attention, Phase::forward, sk, qd, m_.hidden, Layout::nn, d));
        fwd(gemm_op("attn.relpos_scores", OpGroup::attention, Phase::forward, sq, sk, hd, Layout::nt, d, bh));
        const double scores = double(bh) * double(sq) * double(sk);
        fwd(mem_op("attn.relpos_shift", OpGroup::attention, Phase::forward, MemOpKind::copy, 2.0 * scores * act_, 0));
        save("attn.relpos_r", double(sk * qd) * act_);
        if (!upstream_) return;
        const bool train_w = base_trainable();
        auto e = bwd_emitter();
        bwd([=, this] {
            e(mem_op("attn.relpos_shift.bwd", OpGroup::attention, Phase::backward_data, MemOpKind::copy, 2.0 * scores * act_, 0));
            e(gemm_op("attn.relpos_scores.dQ", OpGroup::attention, Phase::backward_data, sq, hd, sk, Layout::nn, d, bh));
            e(gemm_op("attn.relpos_scores.dR", OpGroup::attention, Phase::backward_weight, sk, hd, sq, Layout::tn, d, bh));
            if (train_w)  // positions are fixed sinusoids: only W_R's gradient
                e(gemm_op("attn.relpos_proj.dW", OpGroup::attention, Phase::backward_weight, m_.hidden, qd, sk, Layout::tn, d));
        });
    }

    // One MLP (a dense one, the experts batched, or the shared experts fused into one).
    void mlp_block(const std::string& p, const std::string& in, std::int64_t f, std::int64_t experts, double rows) {
        const std::int64_t h = m_.hidden, up_out = (m_.gated_mlp ? 2 : 1) * f;
        Linear up{p + ".up", in, OpGroup::mlp, h, up_out, experts, rows,
                  adapters_for({{"gate", Adapter{h, f}}, {"up", Adapter{h, f}}})};
        linear(up);
        const double n = rows * double(f);
        // MoE SwiGLU inputs are cached in FP8 under FP8 training (DeepSeek-V3 section 3.3.3).
        const double kept = s_.fp8 && experts > 1 ? 1.0 : act_;
        if (m_.gated_mlp)
            pointwise(p + ".act", OpGroup::activation, MemOpKind::elementwise, 3.0 * n * act_, 6.0 * n, 5.0 * n * act_,
                      10.0 * n, p + ".up_out", 2.0 * n * kept);
        else
            pointwise(p + ".act", OpGroup::activation, MemOpKind::elementwise, 2.0 * n * act_, 8.0 * n, 3.0 * n * act_,
                      12.0 * n, p + ".up_out", n * act_);
        Linear down{p + ".down", p + ".act_out", OpGroup::mlp, f, h, experts, rows, adapters_for({{"down", Adapter{f, h}}})};
        linear(down);
    }

    void mlp(bool moe) {
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
        pointwise("moe.topk", OpGroup::router, MemOpKind::softmax, 2.0 * T * double(E) * 4.0, 5.0 * T * double(E),
                  3.0 * T * double(E) * 4.0, 3.0 * T * double(E), "moe.probs", T * double(E) * 4.0);
        const double rows = T * double(m_.top_k);
        pointwise("moe.dispatch", OpGroup::router, MemOpKind::copy, 2.0 * rows * double(h) * act_, 0,
                  2.0 * rows * double(h) * act_, 0);
        mlp_block("mlp", "moe.in", f, std::max<std::int64_t>(1, E / s_.ep), rows);
        pointwise("moe.combine", OpGroup::router, MemOpKind::copy, 2.0 * rows * double(h) * act_ + T * double(h) * act_,
                  rows * double(h), 3.0 * rows * double(h) * act_, rows * double(h));
        if (m_.shared_experts > 0)
            mlp_block("mlp.shared", "norm2.out", m_.shared_experts * m_.expert_ffn() / s_.tp, 1, T);
    }

    // Multi-head latent attention projections (DeepSeek-V2, section 2.1): queries through the
    // q_lora_rank latent, keys/values from the kv_lora_rank latent plus one shared RoPE key.
    // The down-projections are replicated over tensor-parallel ranks; the up-projections split by heads.
    void mla_projections() {
        const double T = double(tokens_);
        const std::int64_t h = m_.hidden, qk = m_.q_head_dim(), v = m_.v_head_dim, rope = m_.qk_rope_dim;
        const std::int64_t qr = m_.q_lora_rank, kvr = m_.kv_lora_rank;
        const bool rc = mla_selective();
        auto latent_norm = [&](const std::string& name, std::int64_t width) {
            const double n = T * double(width);
            pointwise(name, OpGroup::norm, MemOpKind::norm, 2.0 * n * act_, 6.0 * n, 3.0 * n * act_, 12.0 * n,
                      name + ".in", n * act_, rc);
        };
        if (qr > 0) {
            linear(Linear{"attn.q_a", "norm1.out", OpGroup::qkv, h, qr, 1, T, {}});
            latent_norm("attn.q_norm", qr);
            linear(Linear{"attn.q_b", "attn.q_norm.out", OpGroup::qkv, qr, hd_ * qk, 1, T, {}, true, rc});
        } else {
            linear(Linear{"attn.q", "norm1.out", OpGroup::qkv, h, hd_ * qk, 1, T, {}});
        }
        linear(Linear{"attn.kv_a", "norm1.out", OpGroup::qkv, h, kvr + rope, 1, T, {}});
        latent_norm("attn.kv_norm", kvr);
        linear(Linear{"attn.kv_b", "attn.kv_norm.out", OpGroup::qkv, kvr, hd_ * (m_.qk_nope_dim + v), 1, T, {}, true, rc});
        const double n = T * double(hd_ * rope + rope);
        pointwise("attn.rope", OpGroup::attention, MemOpKind::elementwise, 2.0 * n * act_, 3.0 * n, 2.0 * n * act_, 3.0 * n);
    }

    // A multi-token prediction module (DeepSeek-V3, section 2.2): the next token's embedding
    // (shared table) and the previous depth's hidden state, each normalised, concatenated and
    // projected (2h -> h), one transformer layer, then the shared output head.
    void mtp_module(std::int64_t d) {
        repeat_ = 1;
        upstream_ = training();
        const std::string p = "mtp" + std::to_string(d + 1);
        saved_.clear();
        const double n = double(tokens_) * double(m_.hidden);
        fwd(mem_op(p + ".embed", OpGroup::embedding, Phase::forward, MemOpKind::embedding, 2.0 * n * act_, 0));
        norm(p + ".hnorm", p + ".hnorm.in");
        norm(p + ".enorm", p + ".enorm.in");
        linear(Linear{p + ".proj", p + ".cat", OpGroup::mtp, 2 * m_.hidden, m_.hidden, 1, double(tokens_), {}});
        for (const auto& sv : saved_) out_.saved_outside_layers += sv.bytes;
        layer(1, true, m_.is_moe(), 1);
        head(p + ".");
    }

    // `count`: layers the memory model counts for this call (its repeat).
    void layer(double repeat, bool upstream_at_start, bool moe, double count) {
        repeat_ = repeat;
        upstream_ = training() && upstream_at_start;
        if (!training()) upstream_ = false;
        saved_.clear();
        std::vector<Op> recompute;
        recompute_ = training() ? &recompute : nullptr;
        const double T = double(tokens_);
        const std::int64_t h = m_.hidden, hd = m_.head_dim, qd = hd_ * hd, kvd = kvd_ * hd;

        norm("norm1", "norm1.in", mla_selective());
        if (m_.mla) {
            mla_projections();
        } else {
            Linear qkv{"attn.qkv", "norm1.out", OpGroup::qkv, h, qd + 2 * kvd, 1, T,
                       adapters_for({{"q", Adapter{h, qd}}, {"k", Adapter{h, kvd}}, {"v", Adapter{h, kvd}}})};
            linear(qkv);
            if (m_.relative_position_projection) {
                relative_positions();
            } else if (!m_.learned_positions) {
                // Rotary embeddings on Q and K (RoPE models: Llama, Mistral, NeoX).
                const double n = T * double(qd + kvd);
                pointwise("attn.rope", OpGroup::attention, MemOpKind::elementwise, 2.0 * n * act_, 3.0 * n,
                          2.0 * n * act_, 3.0 * n);
            }
        }
        attention();
        const std::int64_t ctx = hd_ * m_.v_dim_per_head();
        Linear o{"attn.out", "attn.ctx", OpGroup::attn_out, ctx, h, 1, T, adapters_for({{"o", Adapter{ctx, h}}})};
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

    void embedding() {
        const double n = double(tokens_) * double(m_.hidden);
        const bool train = base_trainable();
        repeat_ = 1;
        const double pos = m_.learned_positions ? 1.0 : 0.0;
        fwd(mem_op("embed.lookup", OpGroup::embedding, Phase::forward, MemOpKind::embedding, (2.0 + 2.0 * pos) * n * act_,
                   pos * n));
        if (!train) return;
        auto e = bwd_emitter();
        // Scatter-add of the output gradient into the embedding (and position) table rows.
        bwd([=, this] {
            e(mem_op("embed.lookup.bwd", OpGroup::embedding, Phase::backward_weight, MemOpKind::embedding,
                     (3.0 + 3.0 * pos) * n * act_, (1.0 + pos) * n));
        });
    }

    // The output head (p: "" for the model's own, "mtpN." for a multi-token prediction module's).
    void head(const std::string& p) {
        repeat_ = 1;
        upstream_ = training() && (base_trainable() || !lora_.empty());
        const double T = double(tokens_);
        const std::int64_t vd = m_.vocab / s_.tp;  // vocabulary-parallel logits
        saved_.clear();
        const std::size_t before = saved_.size();
        norm(p + "final_norm", p + "final_norm.in");
        Linear logits{p + "logits", p + "final_norm.out", OpGroup::logits, m_.hidden, vd, 1, T, {}, false};
        linear(logits);
        const double n = T * double(vd);
        pointwise(p + "loss", OpGroup::loss, MemOpKind::softmax, n * act_, 4.0 * n, 2.0 * n * act_, 2.0 * n, p + "logits",
                  n * act_);
        if (training())
            for (std::size_t i = before; i < saved_.size(); ++i) out_.saved_outside_layers += saved_[i].bytes;
    }
};

}  // namespace

OpList build_stage_ops(const ModelConfig& m, const PassShape& s, const StageSpec& stage, const BackwardSpec* bwd) {
    if (m.sliding_window > 0 && s.seq_k > m.sliding_window)
        throw UsageError("model '" + m.name + "' uses sliding-window attention (window " + std::to_string(m.sliding_window) +
                         "); sequences longer than the window (" + std::to_string(s.seq_k) + ") are not modelled");
    Builder b(m, s, bwd);
    return b.build(stage);
}

}  // namespace flopmeter::cost
