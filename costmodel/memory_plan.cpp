#include "costmodel/memory_plan.hpp"

#include "cli/table.hpp"
#include "costmodel/layer_ops.hpp"
#include "costmodel/param_count.hpp"

namespace flopmeter::cost {

double stage_params_per_device(const ModelConfig& m, int tp, std::int64_t layers, bool first, bool last, int pp) {
    const LayerParams lp = layer_params(m);
    const double h = double(m.hidden), t = double(tp);
    // Q and output projections shard by heads; K and V by KV heads, replicated below one per rank.
    const double kv_full = 2.0 * h * double(m.kv_dim()) + (m.qkv_bias ? 2.0 * double(m.kv_dim()) : 0.0);
    const double kv_dev = kv_full * double(kv_heads_per_device(m, tp)) / double(m.kv_heads);
    const double attn_dev = (lp.attention - kv_full) / t + kv_dev;
    const double per_layer = attn_dev + lp.mlp / t + lp.router + lp.norms;
    const double vocab_dev = double((m.vocab + tp - 1) / tp);
    double p = double(layers) * per_layer;
    if (first) p += vocab_dev * h + (m.learned_positions ? double(m.max_positions) * h : 0.0);
    // The head: its own matrix, or (tied) a copy of the embedding on the last stage.
    if (last && (!m.tied_embeddings || (pp > 1))) p += vocab_dev * h;
    if (last) p += (m.norm == NormKind::layernorm ? 2.0 : 1.0) * h;
    return p;
}

MemoryPlan training_memory(const ModelConfig& m, const TrainingSetup& s, const OpList& ops, std::int64_t layers,
                           bool first, bool last, double in_flight, double capacity) {
    MemoryPlan p;
    p.capacity = capacity;
    const Parallelism& par = s.par;
    const bool mixed = s.dtype == DType::bf16 || s.dtype == DType::fp16;
    const double wbytes = double(dtype_size(s.dtype));
    p.params_on_device = stage_params_per_device(m, par.tp, layers, first, last, par.pp);
    if (s.mode == Mode::lora) {
        // Adapters spread over stages and tensor ranks like the layers they sit on.
        p.trainable_on_device = lora_params(m, s.lora) / double(par.pp) / double(par.tp);
    } else {
        p.trainable_on_device = p.params_on_device;
    }
    const double dp = double(par.dp);
    // LoRA: the frozen base is never sharded by ZeRO (nothing to update), adapters ride along.
    // Otherwise ZeRO stage 3 shards the weights over the data-parallel group.
    p.weights = s.mode == Mode::lora ? (p.params_on_device + p.trainable_on_device) * wbytes
                                     : p.params_on_device * wbytes / (par.zero >= 3 ? dp : 1.0);
    p.gradients = p.trainable_on_device * wbytes / (par.zero >= 2 ? dp : 1.0);
    // AdamW: first and second moments in fp32, plus fp32 master weights under mixed precision.
    const double opt_bytes = 8.0 + (mixed ? 4.0 : 0.0);
    p.optimizer = p.trainable_on_device * opt_bytes / (par.zero >= 1 ? dp : 1.0);
    double per_layer = 0;
    for (const auto& sv : ops.saved_per_layer) per_layer += sv.bytes;
    p.activations = per_layer * double(layers) * in_flight + ops.saved_outside_layers * in_flight;
    return p;
}

std::string describe_memory(const MemoryPlan& p) {
    std::string s = fmt_bytes(p.total()) + " per device";
    if (p.capacity > 0) s += " of " + fmt_bytes(p.capacity);
    s += " (weights " + fmt_bytes(p.weights) + ", gradients " + fmt_bytes(p.gradients) + ", optimizer " +
         fmt_bytes(p.optimizer) + ", activations " + fmt_bytes(p.activations);
    if (p.kv_cache > 0) s += ", KV cache " + fmt_bytes(p.kv_cache);
    return s + ")";
}

}  // namespace flopmeter::cost
