#include "costmodel/inference_estimate.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/flops.hpp"
#include "core/text_table.hpp"
#include "costmodel/comm_plan.hpp"
#include "costmodel/layer_ops.hpp"

namespace flopmeter::cost {

std::string weight_precision_name(WeightPrecision w) {
    switch (w) {
        case WeightPrecision::bf16:
            return "bf16";
        case WeightPrecision::int8:
            return "int8";
        case WeightPrecision::int4:
            return "int4";
    }
    return "?";
}

double weight_bytes(WeightPrecision w) {
    switch (w) {
        case WeightPrecision::bf16:
            return 2.0;
        case WeightPrecision::int8:
            return 1.0;
        case WeightPrecision::int4:
            return 0.5;
    }
    return 2.0;
}

std::string kv_append_name(KvAppend k) {
    return k == KvAppend::concat ? "concat" : "in-place";
}

std::string kv_precision_name(KvPrecision k) {
    switch (k) {
        case KvPrecision::compute:
            return "compute";
        case KvPrecision::bf16:
            return "bf16";
        case KvPrecision::int8:
            return "int8";
    }
    return "?";
}

namespace {

// Bytes of one cached K or V vector of `dim` elements: codes plus an int8 cache's fp32 scale.
double kv_vector_bytes(const InferenceSetup& s, double dim) {
    switch (s.kv) {
        case KvPrecision::bf16:
            return 2.0 * dim;
        case KvPrecision::int8:
            return dim + 4.0;
        case KvPrecision::compute:
            break;
    }
    return double(dtype_size(s.compute)) * dim;
}

// The storage name the profile's measured decode-attention rates are keyed by.
std::string kv_storage(const InferenceSetup& s) {
    if (s.kv == KvPrecision::int8) return "int8";
    if (s.kv == KvPrecision::bf16) return "bf16";
    return std::string(dtype_name(s.compute));
}

void check(const ModelConfig& m, const InferenceSetup& s) {
    validate_model(m);
    if (s.batch <= 0)
        throw UsageError("--batch must be a positive integer (got " + std::to_string(s.batch) +
                         ")");
    if (s.prompt_tokens <= 0)
        throw UsageError("--prompt-tokens must be a positive integer (got " +
                         std::to_string(s.prompt_tokens) + ")");
    if (s.output_tokens <= 0)
        throw UsageError("--output-tokens must be a positive integer (got " +
                         std::to_string(s.output_tokens) + ")");
    if (s.tp < 1) throw UsageError("--tp must be at least 1");
    if (!(s.op_overhead_s >= 0) || !std::isfinite(s.op_overhead_s))
        throw UsageError("--op-overhead must be a finite time >= 0");
    if (m.heads % s.tp != 0)
        throw UsageError("--tp " + std::to_string(s.tp) + " does not divide the " +
                         std::to_string(m.heads) + " attention heads");
    if (m.kv_heads % s.tp != 0 && s.tp % m.kv_heads != 0)
        throw UsageError("--tp " + std::to_string(s.tp) + " and the " + std::to_string(m.kv_heads) +
                         " KV heads: one must divide the other");
    if (m.ffn % s.tp != 0)
        throw UsageError("--tp " + std::to_string(s.tp) + " does not divide the MLP size " +
                         std::to_string(m.ffn));
    const std::int64_t ctx = s.prompt_tokens + s.output_tokens;
    if (m.max_positions > 0 && ctx > m.max_positions)
        throw UsageError("prompt + output tokens (" + std::to_string(ctx) +
                         ") exceed the model's " + std::to_string(m.max_positions) + " positions");
}

// Expected distinct experts a decode step touches per layer when `tokens` tokens each pick
// top_k of E experts uniformly: E * (1 - (1 - k/E)^tokens).
double experts_touched(const ModelConfig& m, std::int64_t tokens) {
    if (!m.is_moe()) return 1.0;
    const double E = double(m.experts), k = double(m.top_k);
    return E * (1.0 - std::pow(1.0 - k / E, double(tokens)));
}

// Quantized weights with measured quantized matmul rates in the profile: each weight GEMM of
// the decode step at its measured rate (q4_0 / q8_0, one fp16 scale per 32 weights), which
// already includes streaming its weights from memory; the rest of the step (attention,
// norms, ...) overlaps the KV cache read. Leaves the estimate unchanged when any weight GEMM
// has no measured rate.
void apply_measured_quant_rates(InferenceEstimate& e, const InferenceSetup& s, const Predictor& p,
                                double wb) {
    const int bits = s.weights == WeightPrecision::int4 ? 4 : 8;
    double weights_s = 0, other_s = 0, gemm_weight_bytes = 0;
    std::string source;
    for (const auto& t : e.decode.ops) {
        if (t.op.timing != Timing::gemm || t.op.group == OpGroup::attention) {
            other_s += t.seconds();
            continue;
        }
        const QuantGemmQuery q{t.op.gemm.m, t.op.gemm.n, t.op.gemm.k, bits, 32, t.op.gemm.batch};
        const Prediction r = p.quant_gemm(q);
        if (!(r.seconds > 0)) return;
        weights_s += r.seconds * t.op.repeat;
        gemm_weight_bytes +=
            flops::quant_weight_bytes(q.n, q.k, bits, 32) * double(q.batch) * t.op.repeat;
        source = r.source;
    }
    Prediction kv = p.kv_decode(KvDecodeQuery{e.kv_bytes_per_step, kv_storage(s)});
    if (!(kv.seconds > 0)) kv = p.memory(MemQuery{MemOpKind::copy, e.kv_bytes_per_step, 0});
    e.decode_measured_quant = true;
    e.decode_weights_s = weights_s;
    e.decode_compute_s = other_s;
    e.decode_memory_s = weights_s + kv.seconds;
    e.memory_bound = true;
    e.decode_step_s = weights_s + std::max(other_s, kv.seconds) + e.decode_comm_s;
    e.sources.insert("decode weight GEMMs: " + source);
    e.notes.push_back(
        "decode weight GEMMs at measured " + std::string(bits == 4 ? "q4_0" : "q8_0") + " rates: " +
        fmt_sig(weights_s * 1e3, 3) + " ms per step for " + fmt_bytes(gemm_weight_bytes) +
        " of packed weights (" + fmt_sig(gemm_weight_bytes / weights_s / 1e9, 3) +
        " GB/s effective; the --weights bytes/param used for memory: " + fmt_sig(wb, 3) + ")");
}

// Ops a runtime launches for one pass: each op of the decomposition, once per repeat (layer).
double launched_ops(const std::vector<TimedOp>& ops) {
    double n = 0;
    for (const auto& t : ops) n += t.op.repeat;
    return n;
}

// What the runtime adds to a decode step beyond its kernels (InferenceSetup::op_overhead_s,
// kv_append), in series with the rest of the step: the host issues one op after another, and
// a concatenated cache is a new tensor the attention can only read once it is written.
void apply_runtime(InferenceEstimate& e, const ModelConfig& m, const InferenceSetup& s,
                   const PassShape& dec, const Predictor& p, double kv_per_token) {
    const double L = double(m.layers);
    double outside = 0;  // the same pass without its layers
    for (const auto& op : build_stage_ops(m, dec, StageSpec{0, true, true}, nullptr).ops)
        outside += op.repeat;
    e.decode_ops = launched_ops(e.decode.ops);
    e.decode_ops_outside_layers = outside;
    e.decode_ops_per_layer = (e.decode_ops - outside) / L;
    if (s.kv_append == KvAppend::concat) {
        // Per layer one concatenation per cached tensor (K and V; MLA's one latent): reads the
        // cache of mean_context - 1 tokens, writes mean_context tokens.
        const double per_layer = m.mla ? 1.0 : 2.0;
        e.kv_concat_bytes_per_step = double(s.batch) * (2.0 * e.mean_context - 1.0) * kv_per_token;
        // Each layer's cache was last touched a whole step ago, with the step's weights and
        // every other cache read in between: copied at the rate of a working set of one step's
        // traffic, not at the (cache-resident) rate of one concatenation's own size.
        const double step_bytes =
            e.weight_bytes_per_step + e.kv_bytes_per_step + e.kv_concat_bytes_per_step;
        const Prediction c = p.memory(MemQuery{MemOpKind::copy, step_bytes, 0});
        e.decode_kv_concat_s = c.seconds * e.kv_concat_bytes_per_step / step_bytes;
        e.decode_ops += L * per_layer;
        e.decode_ops_per_layer += per_layer;
        e.sources.insert("KV cache concatenation: " + c.source);
        e.notes.push_back(
            "KV cache appended by concatenation: " + fmt_bytes(e.kv_concat_bytes_per_step) +
            " copied per step (" + fmt_sig(e.decode_kv_concat_s * 1e3, 3) + " ms), " +
            fmt_sig(per_layer, 1) + " ops per layer");
    }
    e.decode_overhead_s = e.decode_ops * s.op_overhead_s;
    e.decode_step_s += e.decode_kv_concat_s + e.decode_overhead_s;
    if (s.op_overhead_s > 0)
        e.notes.push_back("runtime overhead " + fmt_time(s.op_overhead_s) +
                          " per op: " + fmt_sig(e.decode_ops, 4) + " ops per decode step (" +
                          fmt_sig(e.decode_ops_per_layer, 3) + " per layer x " +
                          std::to_string(m.layers) + " layers + " + fmt_sig(outside, 3) +
                          " outside the layers) = " + fmt_time(e.decode_overhead_s) +
                          " per step; prefill " + fmt_sig(e.prefill_ops, 4) +
                          " ops = " + fmt_time(e.prefill_overhead_s));
}

}  // namespace

InferenceEstimate estimate_inference(const ModelConfig& m, const InferenceSetup& s,
                                     const Predictor& p, const CostInputs& c) {
    check(m, s);
    InferenceEstimate e;
    e.model = m;
    e.params = count_params(m);
    e.setup = s;
    e.facts = p.facts();
    const double act = double(dtype_size(s.compute));
    const double wb = weight_bytes(s.weights);
    const double hd = double(m.head_dim), L = double(m.layers);
    // K and V, one device; MLA caches its key/value latent and the shared RoPE key instead
    // (DeepSeek-V2, section 2.1.2), on every tensor rank.
    const double kv_per_token =
        m.mla ? L * kv_vector_bytes(s, double(m.kv_lora_rank + m.qk_rope_dim))
              : 2.0 * L * double(kv_heads_per_device(m, s.tp)) * kv_vector_bytes(s, hd);
    const StageSpec whole{m.layers, true, true};

    // Memory: weights at their precision, the full KV cache, and the prefill's transient tensors.
    e.memory.capacity = e.facts.memory_bytes;
    e.memory.params_on_device = stage_params_per_device(m, s.tp, m.layers, true, true, 1);
    e.memory.weights = e.memory.params_on_device * wb;
    e.memory.kv_cache = double(s.batch) * double(s.prompt_tokens + s.output_tokens) * kv_per_token;
    const double prompt = double(s.batch) * double(s.prompt_tokens);
    e.memory.activations = prompt *
                               (2.0 * double(m.hidden) + double(m.q_dim() + 2 * m.kv_dim()) / s.tp +
                                3.0 * double(m.ffn) / s.tp) *
                               act +
                           double(s.batch) * double(m.vocab) / s.tp * 4.0;
    if (!e.memory.fits())
        throw UsageError("does not fit: needs " + describe_memory(e.memory) +
                         "; try --weights int8/int4, a smaller --batch or more --tp");

    // Prefill: the whole prompt in one causal forward pass.
    const PassShape pre{s.batch, s.prompt_tokens, s.prompt_tokens, true,
                        s.tp,    false,           s.compute,       s.attention};
    e.prefill = time_ops(build_stage_ops(m, pre, whole, nullptr).ops, p);
    const double pre_comm =
        inference_tp_comm(m, s.batch * s.prompt_tokens, s.tp, s.compute, p, e.sources);
    e.prefill_ops = launched_ops(e.prefill.ops);
    e.prefill_overhead_s = e.prefill_ops * s.op_overhead_s;
    e.prefill_s = e.prefill.total.seconds + pre_comm + e.prefill_overhead_s;
    e.prefill_tokens_per_s = prompt / e.prefill_s;
    e.prefill_model_flops = e.prefill.total.model_flops * s.tp;
    const double peak = e.facts.peak_flops(s.compute);
    if (peak > 0) e.prefill_mfu = e.prefill_model_flops / (e.prefill_s * s.tp * peak);

    // Decode: costs are linear in the context, so the mean context gives the mean step.
    e.mean_context = double(s.prompt_tokens) + double(s.output_tokens - 1) / 2.0;
    const std::int64_t ctx = std::int64_t(std::llround(e.mean_context));
    const PassShape dec{s.batch, 1, ctx, true, s.tp, false, s.compute, s.attention};
    const OpList dops = build_stage_ops(m, dec, whole, nullptr);
    e.decode = time_ops(dops.ops, p);
    e.decode_model_flops = e.decode.total.model_flops * s.tp;
    if (s.weights == WeightPrecision::bf16) {
        e.decode_compute_s = e.decode.total.seconds;
    } else {
        // Quantized weights: the GEMMs' arithmetic at the rate the profile gives the same
        // GEMM when it is compute-bound (many rows); their weight traffic is in the memory term.
        e.decode_compute_s = 0;
        for (const auto& t : e.decode.ops) {
            if (t.op.timing != Timing::gemm || t.op.group == OpGroup::attention) {
                e.decode_compute_s += t.seconds();
                continue;
            }
            GemmQuery big = t.op.gemm;
            big.m = std::max<std::int64_t>(big.m, 4096);
            const Prediction r = p.gemm(big);
            const double rate = r.flops_per_s > 0
                                    ? r.flops_per_s
                                    : flops::gemm_model_flops(big.m, big.n, big.k) / r.seconds;
            e.decode_compute_s += t.op.executed_flops * t.op.repeat / rate;
        }
    }
    const LayerParams lp = layer_params(m);
    const double expert_mlp = m.is_moe() ? lp.mlp / double(m.experts) : 0.0;
    const double untouched =
        m.is_moe() ? L * (double(m.experts) - experts_touched(m, s.batch)) * expert_mlp / s.tp
                   : 0.0;
    e.weight_bytes_per_step = (e.memory.params_on_device - untouched) * wb;
    // Only the table rows of this step's tokens are read from the embedding.
    e.weight_bytes_per_step -= (double((m.vocab + s.tp - 1) / s.tp) - double(s.batch)) *
                               double(m.hidden) * wb * (m.tied_embeddings ? 0.0 : 1.0);
    e.kv_bytes_per_step = double(s.batch) * e.mean_context * kv_per_token;
    // The KV cache at the measured decode-attention rate for its storage where the profile has
    // one (calibrate/quant_sweep.hpp), else with the weights at the memory bandwidth.
    const Prediction kvp = p.kv_decode(KvDecodeQuery{e.kv_bytes_per_step, kv_storage(s)});
    if (kvp.seconds > 0) {
        const Prediction mem = p.memory(MemQuery{MemOpKind::copy, e.weight_bytes_per_step, 0});
        e.sources.insert("decode weights: " + mem.source);
        e.sources.insert("decode KV cache: " + kvp.source);
        e.decode_memory_s = mem.seconds + kvp.seconds;
        e.notes.push_back(
            "KV cache (" + kv_storage(s) + ") read at the measured decode-attention rate: " +
            fmt_sig(kvp.seconds * 1e3, 3) + " ms per step for " + fmt_bytes(e.kv_bytes_per_step));
    } else {
        const Prediction mem =
            p.memory(MemQuery{MemOpKind::copy, e.weight_bytes_per_step + e.kv_bytes_per_step, 0});
        e.sources.insert("decode weights + KV cache: " + mem.source);
        e.decode_memory_s = mem.seconds;
    }
    e.decode_comm_s = inference_tp_comm(m, s.batch, s.tp, s.compute, p, e.sources);
    e.memory_bound = e.decode_memory_s >= e.decode_compute_s;
    e.decode_step_s = std::max(e.decode_compute_s, e.decode_memory_s) + e.decode_comm_s;
    if (s.weights != WeightPrecision::bf16) apply_measured_quant_rates(e, s, p, wb);
    apply_runtime(e, m, s, dec, p, kv_per_token);
    e.decode_tokens_per_s = double(s.batch) / e.decode_step_s;
    e.per_sequence_tokens_per_s = 1.0 / e.decode_step_s;
    e.time_to_first_token_s = e.prefill_s;

    for (const auto* t : {&e.prefill, &e.decode})
        for (const auto& op : t->ops)
            e.sources.insert(op_group_name(op.op.group) + ": " + op.pred.source);

    const double devices = double(s.tp);
    e.price_per_hour = money_for(1.0, e.facts, c).price_per_hour;  // NaN when unknown
    const double hours_per_million_out = 1e6 / e.decode_tokens_per_s / 3600.0 * devices;
    e.dollars_per_million_output = hours_per_million_out * e.price_per_hour;
    e.dollars_per_million_prompt =
        1e6 / e.prefill_tokens_per_s / 3600.0 * devices * e.price_per_hour;
    e.energy_kwh_per_million_output = money_for(hours_per_million_out, e.facts, c).energy_kwh;
    e.notes.push_back(
        std::string("decode is ") + (e.memory_bound ? "memory-bound" : "compute-bound") + ": " +
        fmt_bytes(e.weight_bytes_per_step + e.kv_bytes_per_step) + " read per step (weights " +
        fmt_bytes(e.weight_bytes_per_step) + " at " + weight_precision_name(s.weights) +
        ", KV cache " + fmt_bytes(e.kv_bytes_per_step) + " at " + kv_storage(s) + ")");
    e.notes.push_back("one sequence decodes at " + fmt_sig(e.per_sequence_tokens_per_s, 3) +
                      " tokens/s, " +
                      fmt_sig(e.per_sequence_tokens_per_s / reading_tokens_per_s, 3) +
                      "x silent reading speed (~5.3 tokens/s: 238 words/min, Brysbaert 2019, at "
                      "0.75 words/token)");
    if (m.is_moe())
        e.notes.push_back("MoE decode reads the experts a step's tokens touch: " +
                          fmt_sig(experts_touched(m, s.batch), 3) + " of " +
                          std::to_string(m.experts) + " per layer on average (uniform routing)");
    return e;
}

}  // namespace flopmeter::cost
