// Serving a model: prefill (prompt) throughput, decode throughput bounded by the bytes each
// generated token must read (weights + KV cache) at the profile's bandwidth, and the cost per
// million tokens.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "calibrate/predictor.hpp"
#include "costmodel/memory_plan.hpp"
#include "costmodel/model_config.hpp"
#include "costmodel/op_timing.hpp"
#include "costmodel/param_count.hpp"
#include "costmodel/training_estimate.hpp"
#include "costmodel/workload.hpp"

namespace flopmeter::cost {

struct InferenceEstimate {
    ModelConfig model;
    ParamCount params;
    InferenceSetup setup;
    DeviceFacts facts;

    TimedOps prefill;  // whole batch's prompts, one device of the tensor-parallel group
    double prefill_s = 0, prefill_tokens_per_s = 0, prefill_model_flops = 0, prefill_mfu = 0;

    TimedOps decode;  // one decode step of the batch at the mean context length
    double mean_context = 0;
    double decode_compute_s =
        0;  // the ops' predicted times (quantized GEMMs at their compute rate)
    double decode_memory_s =
        0;  // weights + KV cache bytes read per step, at the profile's bandwidth
    double decode_comm_s = 0;
    double decode_step_s = 0;  // max(compute, memory) + tensor-parallel comm
    // Quantized weights on a profile with measured quantized matmul rates (calibrate/quant_sweep):
    // the weight GEMMs at those rates (their weight streaming included), the other ops and the
    // KV cache read as before; step = weights + max(other ops, KV read) + comm.
    bool decode_measured_quant = false;
    double decode_weights_s = 0;
    // The runtime (InferenceSetup::op_overhead_s, kv_append): ops it launches per decode step
    // (every op of the decomposition, plus the cache concatenations), per layer and outside the
    // layers (embedding, final norm, head), the host time they add, and the KV concatenation's
    // copy. Both are added to the step in series.
    double decode_ops = 0, decode_ops_per_layer = 0, decode_ops_outside_layers = 0;
    double decode_overhead_s = 0;
    double prefill_ops = 0, prefill_overhead_s = 0;
    double kv_concat_bytes_per_step = 0, decode_kv_concat_s = 0;
    bool memory_bound = false;
    double weight_bytes_per_step = 0, kv_bytes_per_step = 0, decode_model_flops = 0;
    double decode_tokens_per_s = 0;  // all sequences
    double per_sequence_tokens_per_s = 0;
    double time_to_first_token_s = 0;

    double price_per_hour = 0;  // per device
    double dollars_per_million_output = 0, dollars_per_million_prompt = 0;
    double energy_kwh_per_million_output = 0;
    MemoryPlan memory;
    std::set<std::string> sources;
    std::vector<std::string> notes;
};

// Throws UsageError on non-positive sizes, a tensor-parallel size that does not divide the
// heads, a context longer than the model's positions, or a model that does not fit.
InferenceEstimate estimate_inference(const ModelConfig& m, const InferenceSetup& s,
                                     const Predictor& p, const CostInputs& c);

// Silent reading speed in tokens/s, for judging decode speeds: 238 words/min (Brysbaert 2019,
// "How many words do we read per minute?", J. Memory and Language) at 0.75 words per token
// (OpenAI's rule of thumb for English).
constexpr double reading_tokens_per_s = 238.0 / 60.0 / 0.75;

}  // namespace flopmeter::cost
