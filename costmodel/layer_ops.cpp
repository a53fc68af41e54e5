#include "costmodel/layer_ops.hpp"

#include <algorithm>
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
        if (st.layers > 0) {
            const bool lora = bwd_ && bwd_->mode == Mode::lora;
            // Under LoRA the embedding is frozen: in the model's first layer nothing before the
            // first adapter needs a gradient, so those backward ops are never run.
            if (lora && st.first) {
                layer(1, false, st.layers == 1);
                if (st.layers > 1) layer(double(st.layers - 1), !lora_.empty(), true);
            } else {
                layer(double(st.layers), true, true);
            }
        }
        if (st.last) head();
        for (auto it = backward_.rbegin(); it != backward_.rend(); ++it) (*it)();
        return std::move(out_);
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
    bool record_saves_ = true;   // this layer instance is the one the memory model counts
    std::vector<Op>* recompute_ = nullptr;
    std::vector<Saved> saved_;

    bool training() const { return bwd_ != nullptr; }
    bool base_trainable() const { return training() && bwd_->mode != Mode::lora; }
    bool full_recompute() const { return training() && bwd_->recompute == Recompute::full; }

    Op& emit(Op op) {
        op.repeat = repeat_;
        out_.ops.push_back(std::move(op));
        return out_.ops.back();
    }
    void save(const std::string& name, double bytes) {
        if (!record_saves_ || !training()) return;
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
        return std::int64_t((L.rows + double(L.experts) - 1) / double(L.experts));
    }

    void linear(const Linear& L) {
        const DType d = s_.dtype;
        const std::int64_t rows = L.experts > 1 ? rows_per_expert(L) : std::int64_t(L.rows);
        const double exact = L.rows * flops::gemm_model_flops(1, L.out, L.in);
        fwd(gemm_op(L.name, L.group, Phase::forward, rows, L.out, L.in, Layout::nn, d, L.experts, exact));
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
        if (train_w || !L.adapters.empty())
            save(L.input, L.rows * double(L.in) * act_ / (gathered ? double(s_.tp) : 1.0));
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
            if (need_dx)
                e(gemm_op(L.name + ".dX", L.group, Phase::backward_data, rows, L.in, L.out, Layout::nt, d, L.experts,
                          L.rows * flops::gemm_model_flops(1, L.in, L.out)));
            if (train_w) {
                // dW = X^T dY: the token dimension is the inner one.
                Op w = gemm_op(L.name + ".dW", L.group, Phase::backward_weight, L.in, L.out, rows, Layout::tn, d,
                               L.experts, L.rows * flops::gemm_model_flops(1, L.out, L.in));
                e(w);
            }
        });
    }

    // A memory-bound op whose backward reads `bwd_factor` times its forward tensor size.
    void pointwise(const std::string& name, OpGroup g, MemOpKind k, double fwd_bytes, double fwd_flops,
                   double bwd_bytes, double bwd_flops, const std::string& saves = "", double save_bytes = 0) {
        fwd(mem_op(name, g, Phase::forward, k, fwd_bytes, fwd_flops));
        if (!upstream_) return;
        if (!saves.empty()) save(saves, save_bytes);
        auto e = bwd_emitter();
        bwd([=, this] { e(mem_op(name + ".bwd", g, Phase::backward_data, k, bwd_bytes, bwd_flops)); });
    }

    void norm(const std::string& name, const std::string& input) {
        const double n = norm_tokens_ * double(m_.hidden);
        const double per = m_.norm == NormKind::layernorm ? 8.0 : 6.0;  // arithmetic per element, for the record
        pointwise(name, OpGroup::norm, MemOpKind::norm, 2.0 * n * act_, per * n, 3.0 * n * act_, 2.0 * per * n, input,
                  n * act_);
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
        const std::int64_t b = s_.batch, sq = s_.seq_q, sk = s_.seq_k, hd = m_.head_dim;
        const double T = double(tokens_);
        flops::AttentionShape shape{b, hd_, kvd_, sq, sk, hd, hd, s_.causal};
        flops::AttentionShape full = shape;
        full.causal = false;
        const double fwd_model = flops::attention_fwd_model_flops(shape);
        const double fwd_full = flops::attention_fwd_model_flops(full);
        const double bwd_model = flops::attention_bwd_model_flops(shape);
        const double bwd_full = flops::attention_bwd_model_flops(full);
        const bool need = upstream_;
        if (need) {
            save("attn.qkv", T * double((hd_ + 2 * kvd_) * hd) * act_);
            save("attn.ctx", T * double(hd_ * hd) * act_);
        }
        if (s_.attention == AttentionImpl::fused) {
            Op op;
            op.name = "attn.core";
            op.group = OpGroup::attention;
            op.timing = Timing::attention;
            op.attn = AttentionQuery{b, hd_, kvd_, sq, sk, hd, hd, s_.causal, false, s_.dtype};
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
        Op pv = gemm_op("attn.pv", OpGroup::attention, Phase::forward, sq, hd, sk, Layout::nn, s_.dtype, bh);
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
            part(gemm_op("attn.pv.dP", OpGroup::attention, Phase::backward_data, sq, sk, hd, Layout::nt, s_.dtype, bh));
            part(gemm_op("attn.pv.dV", OpGroup::attention, Phase::backward_weight, sk, hd, sq, Layout::tn, s_.dtype, bh));
            e(mem_op("attn.softmax.bwd", OpGroup::attention, Phase::backward_data, MemOpKind::softmax, 3.0 * scores * act_,
                     3.0 * scores));
            part(gemm_op("attn.qk.dQ", OpGroup::attention, Phase::backward_data, sq, hd, sk, Layout::nn, s_.dtype, bh));
            part(gemm_op("attn.qk.dK", OpGroup::attention, Phase::backward_weight, sk, hd, sq, Layout::tn, s_.dtype, bh));
        });
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

    void mlp() {
        const double T = double(tokens_);
        const std::int64_t h = m_.hidden, f = m_.ffn / s_.tp;
        const std::int64_t up_out = (m_.gated_mlp ? 2 : 1) * f;
        double rows = T;
        std::int64_t experts = 1;
        if (m_.is_moe()) {
            // Router (replicated over tensor-parallel ranks), then each token's top-k experts.
            const std::int64_t E = m_.experts;
            Linear router{"moe.router", "norm2.out", OpGroup::router, h, E, 1, T, {}};
            linear(router);
            pointwise("moe.topk", OpGroup::router, MemOpKind::softmax, 2.0 * T * double(E) * 4.0, 5.0 * T * double(E),
                      3.0 * T * double(E) * 4.0, 3.0 * T * double(E), "moe.probs", T * double(E) * 4.0);
            rows = T * double(m_.top_k);
            experts = E;
            pointwise("moe.dispatch", OpGroup::router, MemOpKind::copy, 2.0 * rows * double(h) * act_, 0,
                      2.0 * rows * double(h) * act_, 0);
        }
        const std::string in = m_.is_moe() ? "moe.in" : "norm2.out";
        Linear up{"mlp.up", in, OpGroup::mlp, h, up_out, experts, rows,
                  adapters_for({{"gate", Adapter{h, f}}, {"up", Adapter{h, f}}})};
        linear(up);
        const double n = rows * double(f);
        if (m_.gated_mlp)
            pointwise("mlp.act", OpGroup::activation, MemOpKind::elementwise, 3.0 * n * act_, 6.0 * n, 5.0 * n * act_,
                      10.0 * n, "mlp.up_out", 2.0 * n * act_);
        else
            pointwise("mlp.act", OpGroup::activation, MemOpKind::elementwise, 2.0 * n * act_, 8.0 * n, 3.0 * n * act_,
                      12.0 * n, "mlp.up_out", n * act_);
        Linear down{"mlp.down", "mlp.act_out", OpGroup::mlp, f, h, experts, rows, adapters_for({{"down", Adapter{f, h}}})};
        linear(down);
        if (m_.is_moe())
            pointwise("moe.combine", OpGroup::router, MemOpKind::copy, 2.0 * rows * double(h) * act_ + T * double(h) * act_,
                      rows * double(h), 3.0 * rows * double(h) * act_, rows * double(h));
    }

    void layer(double repeat, bool upstream_at_start, bool record) {
        repeat_ = repeat;
        upstream_ = training() && upstream_at_start;
        if (!training()) upstream_ = false;
        record_saves_ = record;
        if (record) saved_.clear();
        std::vector<Op> recompute;
        recompute_ = training() ? &recompute : nullptr;
        const double T = double(tokens_);
        const std::int64_t h = m_.hidden, hd = m_.head_dim, qd = hd_ * hd, kvd = kvd_ * hd;

        norm("norm1", "norm1.in");
        Linear qkv{"attn.qkv", "norm1.out", OpGroup::qkv, h, qd + 2 * kvd, 1, T,
                   adapters_for({{"q", Adapter{h, qd}}, {"k", Adapter{h, kvd}}, {"v", Adapter{h, kvd}}})};
        linear(qkv);
        if (m_.relative_position_projection)
            relative_positions();
        else if (!m_.learned_positions) {
            // Rotary embeddings on Q and K (RoPE models: Llama, Mistral, NeoX).
            const double n = T * double(qd + kvd);
            pointwise("attn.rope", OpGroup::attention, MemOpKind::elementwise, 2.0 * n * act_, 3.0 * n, 2.0 * n * act_, 3.0 * n);
        }
        attention();
        Linear o{"attn.out", "attn.ctx", OpGroup::attn_out, qd, h, 1, T, adapters_for({{"o", Adapter{qd, h}}})};
        linear(o);
        residual("residual1");
        norm("norm2", "norm2.in");
        mlp();
        residual("residual2");

        if (training() && !recompute.empty()) {
            for (auto& op : recompute) op.repeat = repeat;
            // Recomputed forward ops run just before the layer's backward.
            bwd([this, recompute] {
                for (const auto& op : recompute) out_.ops.push_back(op);
            });
        }
        if (record && training()) {
            if (full_recompute()) {
                // Only each layer's input is kept; one layer's full set lives during its backward.
                double one_layer = 0;
                for (const auto& s : saved_) one_layer += s.bytes;
                out_.saved_per_layer = {{"layer.in", norm_tokens_ * double(h) * act_}};
                out_.saved_outside_layers += one_layer;
            } else {
                out_.saved_per_layer = saved_;
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

    void head() {
        repeat_ = 1;
        upstream_ = training() && (base_trainable() || !lora_.empty());
        const double T = double(tokens_);
        const std::int64_t vd = m_.vocab / s_.tp;  // vocabulary-parallel logits
        record_saves_ = true;
        const std::size_t before = saved_.size();
        norm("final_norm", "final_norm.in");
        Linear logits{"logits", "final_norm.out", OpGroup::logits, m_.hidden, vd, 1, T, {}};
        linear(logits);
        const double n = T * double(vd);
        pointwise("loss", OpGroup::loss, MemOpKind::softmax, n * act_, 4.0 * n, 2.0 * n * act_, 2.0 * n, "logits", n * act_);
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
