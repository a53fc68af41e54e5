#include "costmodel/memory_plan.hpp"

#include <algorithm>

#include "core/text_table.hpp"
#include "costmodel/lora.hpp"
#include "costmodel/param_count.hpp"

namespace flopmeter::cost {

namespace {

// Attention parameters per device under tensor parallelism.
double attention_per_device(const ModelConfig& m, int tp) {
    const double h = double(m.hidden), t = double(tp);
    if (m.mla) {
        const double qr = double(m.q_lora_rank), kvr = double(m.kv_lora_rank);
        const double replicated =
            (m.q_lora_rank > 0 ? h * qr + qr : 0.0) + h * (kvr + double(m.qk_rope_dim)) + kvr;
        return replicated + (attention_params(m) - replicated) / t;
    }
    // Q and output projections shard by heads; K and V by KV heads, replicated below one per rank.
    const double kv_full =
        2.0 * h * double(m.kv_dim()) + (m.qkv_bias ? 2.0 * double(m.kv_dim()) : 0.0);
    const double kv_dev = kv_full * double(kv_heads_per_device(m, tp)) / double(m.kv_heads);
    return (attention_params(m) - kv_full) / t + kv_dev;
}

StageParams layer_per_device(const ModelConfig& m, int tp, int ep, bool moe) {
    const LayerParams lp = layer_params(m, moe);
    StageParams p;
    p.shared = attention_per_device(m, tp) + lp.router + lp.norms;
    if (moe) {
        const double one = mlp_params(m, m.expert_ffn()) / double(tp);
        p.experts = double(m.experts) / double(std::max(1, ep)) * one;
        p.shared += double(m.shared_experts) * one;
    } else {
        p.shared += lp.mlp / double(tp);
    }
    return p;
}

}  // namespace

StageParams stage_params(const ModelConfig& m, int tp, int ep, const StageSpec& st, int pp) {
    const double h = double(m.hidden);
    const std::int64_t dense =
        m.is_moe() ? std::clamp<std::int64_t>(m.first_dense_layers - st.first_layer, 0, st.layers)
                   : st.layers;
    const StageParams d = layer_per_device(m, tp, ep, false),
                      e = layer_per_device(m, tp, ep, m.is_moe());
    StageParams p;
    p.shared = double(dense) * d.shared + double(st.layers - dense) * e.shared;
    p.experts = double(st.layers - dense) * e.experts;
    const double vocab_dev = double((m.vocab + tp - 1) / tp);
    if (st.first)
        p.shared += vocab_dev * h + (m.learned_positions ? double(m.max_positions) * h : 0.0);
    // The head: its own matrix, or (tied) a copy of the embedding on the last stage.
    if (st.last && (!m.tied_embeddings || (pp > 1))) p.shared += vocab_dev * h;
    if (st.last) p.shared += (m.norm == NormKind::layernorm ? 2.0 : 1.0) * h;
    if (st.last && m.mtp_depth > 0) {
        const double norm = (m.norm == NormKind::layernorm ? 2.0 : 1.0) * h;
        p.shared += double(m.mtp_depth) * (e.shared + 2.0 * h * h / double(tp) + 3.0 * norm);
        p.experts += double(m.mtp_depth) * e.experts;
    }
    return p;
}

double stage_params_per_device(const ModelConfig& m, int tp, std::int64_t layers, bool first,
                               bool last, int pp) {
    return stage_params(m, tp, 1, StageSpec{layers, first, last, 0}, pp).total();
}

MemoryPlan training_memory(const ModelConfig& m, const TrainingSetup& s, const OpList& ops,
                           const StageSpec& st, double in_flight, double capacity) {
    MemoryPlan p;
    p.capacity = capacity;
    const Parallelism& par = s.par;
    const bool mixed = s.dtype == DType::bf16 || s.dtype == DType::fp16;
    const double wbytes = double(dtype_size(s.dtype));
    const StageParams sp = stage_params(m, par.tp, par.ep, st, par.pp);
    p.params_on_device = sp.total();
    // Context-parallel ranks hold the same parameters: ZeRO shards over dp x cp (Megatron's
    // data-parallel group with context parallelism).
    const double dp = double(par.dp) * double(par.cp);
    // Experts are replicated over the dp / ep ranks that hold the same experts: ZeRO shards
    // their state over that smaller group.
    const double edp = std::max(1.0, double(par.dp) / double(std::max(1, par.ep)) * double(par.cp));
    // DualPipe keeps two copies of the parameters (DeepSeek-V3 report, Table 2).
    const double copies = par.schedule == Schedule::dualpipe ? 2.0 : 1.0;
    auto sharded = [&](double shared, double experts, int stage) {
        return shared / (par.zero >= stage ? dp : 1.0) + experts / (par.zero >= stage ? edp : 1.0);
    };
    // AdamW: first and second moments in fp32, plus fp32 master weights under mixed precision.
    const double opt_bytes = 8.0 + (mixed ? 4.0 : 0.0);
    if (s.mode == Mode::lora) {
        // Adapters spread over stages and tensor ranks like the layers they sit on; the frozen
        // base is never sharded by ZeRO (nothing to update), adapters ride along.
        p.trainable_on_device = lora_params(m, s.lora) / double(par.pp) / double(par.tp);
        p.weights = (p.params_on_device + p.trainable_on_device) * wbytes;
        p.gradients = p.trainable_on_device * wbytes / (par.zero >= 2 ? dp : 1.0);
        p.optimizer_params = p.trainable_on_device / (par.zero >= 1 ? dp : 1.0);
        p.optimizer = p.optimizer_params * opt_bytes;
    } else {
        p.trainable_on_device = p.params_on_device;
        p.weights = copies * sharded(sp.shared, sp.experts, 3) * wbytes;
        p.gradients = copies * sharded(sp.shared, sp.experts, 2) * wbytes;
        p.optimizer_params = copies * sharded(sp.shared, sp.experts, 1);
        p.optimizer = p.optimizer_params * opt_bytes;
    }
    p.activations =
        (ops.saved_layers_total + ops.saved_outside_layers) * in_flight + ops.recompute_working_set;
    return p;
}
std::string describe_memory(const MemoryPlan& p) {
    std::string s = fmt_bytes(p.total()) + " per device";
    if (p.capacity > 0) s += " of " + fmt_bytes(p.capacity);
    s += " (weights " + fmt_bytes(p.weights) + ", gradients " + fmt_bytes(p.gradients) +
         ", optimizer " + fmt_bytes(p.optimizer) + ", activations " + fmt_bytes(p.activations);
    if (p.kv_cache > 0) s += ", KV cache " + fmt_bytes(p.kv_cache);
    return s + ")";
}

}  // namespace flopmeter::cost
