// The builder behind build_stage_ops (layer_ops.hpp): one micro-batch's ops on one device, layer
// by layer. Internal to costmodel/: layer_ops.cpp holds the dense transformer (linears, norms,
// attention, embedding, head), layer_ops_frontier.cpp the frontier parts (mixture-of-experts
// MLPs, multi-head latent attention, multi-token prediction, context-parallel attention).
#pragma once

#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/flops.hpp"
#include "costmodel/layer_ops.hpp"
#include "costmodel/lora.hpp"

namespace flopmeter::cost::detail {

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
    bool fp8 = true;         // may run at the FP8 rate (false: embedding, head, gating)
    bool recompute = false;  // forward rerun in backward under selective recomputation
    // The input is not kept: the op producing it reruns in backward (its FP8 cast with it).
    bool input_recomputed = false;
    // FP8: rows whose input is cast before this GEMM when not `rows` (MoE up-projections: the
    // tokens, cast before the dispatch copies them to their experts).
    double quant_rows = -1;
    // The tensor that cast reads when not `input` (MoE: the tokens before the dispatch).
    std::string cast_of = "";
    // FP8: rows whose output gradient is cast row-wise when not `rows` (MoE down-projections:
    // the tokens, cast before the backward dispatch); the weight gradient's column-wise copy is
    // then re-tiled from the FP8 rows the experts received.
    double grad_quant_rows = -1;
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

    OpList build(const StageSpec& st);

    void layer_run(std::int64_t n, bool moe, bool model_first);

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
    bool upstream_ = true;  // a trainable parameter lies upstream of the current tensor
    std::vector<Op>* recompute_ = nullptr;
    std::vector<Saved> saved_;
    // FP8 inputs already cast (forward) and re-tiled (backward) in this layer.
    std::set<std::string> cast_, recast_;

    bool training() const { return bwd_ != nullptr; }
    bool base_trainable() const { return training() && bwd_->mode != Mode::lora; }
    bool full_recompute() const { return training() && bwd_->recompute == Recompute::full; }
    // Selective recomputation of an MLA model, as DeepSeek-V3 publishes it (section 3.2.3): the
    // RMSNorms and the MLA up-projections are recomputed, so their outputs are not kept.
    bool mla_selective() const {
        return training() && m_.mla && bwd_->recompute == Recompute::selective;
    }

    Op& emit(Op op) {
        op.repeat = repeat_;
        out_.ops.push_back(std::move(op));
        return out_.ops.back();
    }
    // Tensors DeepSeek-V3's selective recomputation produces again in backward instead of keeping.
    bool rerun_tensor(const std::string& name) const {
        return mla_selective() &&
               (name == "norm1.out" || name == "norm2.out" || name == "attn.qkv" ||
                name == "attn.q_norm.out" || name == "attn.kv_norm.out");
    }
    void save(const std::string& name, double bytes) {
        if (!training()) return;
        if (rerun_tensor(name)) return;
        for (const auto& s : saved_)
            if (s.name == name) return;
        saved_.push_back({name, bytes});
    }

    static Op gemm_op(std::string name, OpGroup g, Phase p, std::int64_t m, std::int64_t n,
                      std::int64_t k, Layout l, DType d, std::int64_t batch = 1,
                      double exact_flops = -1) {
        Op op;
        op.name = std::move(name);
        op.group = g;
        op.phase = p;
        op.timing = Timing::gemm;
        op.gemm = GemmQuery{m, n, k, l, d, batch};
        const double f =
            exact_flops >= 0 ? exact_flops : double(batch) * flops::gemm_model_flops(m, n, k);
        op.executed_flops = f;
        op.model_flops = op.model_flops_noncausal = p == Phase::recompute ? 0.0 : f;
        return op;
    }
    Op mem_op(std::string name, OpGroup g, Phase p, MemOpKind kind, double bytes,
              double other_flops) const {
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

    void linear(const Linear& L);

    // A memory-bound op whose backward reads `bwd_factor` times its forward tensor size.
    void pointwise(const std::string& name, OpGroup g, MemOpKind k, double fwd_bytes,
                   double fwd_flops, double bwd_bytes, double bwd_flops,
                   const std::string& saves = "", double save_bytes = 0, bool recompute = false);

    void norm(const std::string& name, const std::string& input, bool recompute = false);
    void residual(const std::string& name);

    std::vector<Adapter> adapters_for(
        std::initializer_list<std::pair<const char*, Adapter>> parts) const;

    void attention();

    // Context parallelism with load-balanced causal chunks: this rank holds chunks i and
    // 2cp-1-i of c = seq/(2cp) tokens, so it computes 2cp-1 full c x c blocks and 2 causal
    // diagonal blocks (exactly a cp-th of the causal pairs), timed as two fused kernels.
    void attention_cp(bool need);

    // Transformer-XL relative positions: R' = R W_R (once per micro-batch: positions are shared
    // by its sequences), then the query-by-position scores Q R'^T and their shift.
    void relative_positions();

    // One MLP (a dense one, the experts batched, or the shared experts fused into one).
    void mlp_block(const std::string& p, const std::string& in, std::int64_t f,
                   std::int64_t experts, double rows);

    void mlp(bool moe);

    // Multi-head latent attention projections (DeepSeek-V2, section 2.1): queries through the
    // q_lora_rank latent, keys/values from the kv_lora_rank latent plus one shared RoPE key.
    // The down-projections are replicated over tensor-parallel ranks; the up-projections split by
    // heads.
    void mla_projections();

    // A multi-token prediction module (DeepSeek-V3, section 2.2): the next token's embedding
    // (shared table) and the previous depth's hidden state, each normalised, concatenated and
    // projected (2h -> h), one transformer layer, then the shared output head.
    void mtp_module(std::int64_t d);

    // `count`: layers the memory model counts for this call (its repeat).
    void layer(double repeat, bool upstream_at_start, bool moe, double count);

    void embedding();

    // The output head (p: "" for the model's own, "mtpN." for a multi-token prediction module's).
    void head(const std::string& p);
};

}  // namespace flopmeter::cost::detail
