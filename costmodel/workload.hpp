// What the user asks the cost model: the training (or inference) job and how it is spread
// over devices. Plain data; checked by check_training_setup() / check_inference_setup().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.hpp"

namespace flopmeter::cost {

enum class Mode { pretrain, delta, lora };
enum class Recompute { none, selective, full };
// fused: one FlashAttention-style kernel per direction, timed by Predictor::attention.
// explicit: QK^T, softmax and PV as separate batched GEMMs and a memory-bound softmax, as an
// eager framework runs them (nanoGPT's non-flash path); all S x S scores are computed.
enum class AttentionImpl { fused, explicit_matmul };

std::string mode_name(Mode m);
std::string recompute_name(Recompute r);
std::string attention_impl_name(AttentionImpl a);

struct Parallelism {
    int dp = 1, tp = 1, pp = 1;
    int zero = 0;                   // ZeRO stage 0-3 over the data-parallel group
    std::int64_t micro_batch = 1;   // sequences per micro-batch
    bool sequence_parallel = false; // Megatron sequence parallelism for norms/residuals
    // Layers not divisible by pp: stages get ceil(layers / pp), and the first and last stages
    // (then the second and second-to-last, ...) one fewer until the count is right; Llama 3
    // 405B's 126 layers on 16 stages (Dubey et al. 2024, section 3.3.2).
    bool uneven_pipeline = false;
    // Interleaved 1F1B (Narayanan et al. 2021): each device runs v model chunks, the bubble
    // shrinks to (pp - 1) / v slots and pipeline transfers grow v-fold.
    int virtual_stages = 1;
    // Fraction (0..1) of data-parallel communication hidden under backward compute. Tensor- and
    // pipeline-parallel transfers sit on the critical path and are never hidden.
    double overlap = 0.0;
    int devices() const { return dp * tp * pp; }
};

struct LoraSetup {
    std::int64_t rank = 16;
    // Module names: q, k, v, o (attention) and gate, up, down (MLP). Default: q and v, as in
    // Hu et al. 2021 (LoRA), section 7.1.
    std::vector<std::string> targets{"q", "v"};
};

struct TrainingSetup {
    Mode mode = Mode::pretrain;
    double tokens = 0;                 // tokens trained on (for delta: the new tokens only)
    double base_tokens = 0;            // delta only: tokens of the original pretraining, for comparison
    std::int64_t seq_len = 0;
    std::int64_t global_batch = 0;     // sequences per optimizer step, over all data-parallel ranks
    DType dtype = DType::bf16;         // compute dtype; 16-bit means mixed precision with fp32 master weights
    Recompute recompute = Recompute::none;
    AttentionImpl attention = AttentionImpl::fused;
    Parallelism par;
    LoraSetup lora;
};

enum class WeightPrecision { bf16, int8, int4 };
std::string weight_precision_name(WeightPrecision w);
double weight_bytes(WeightPrecision w);  // bytes per weight: 2, 1, 0.5

struct InferenceSetup {
    std::int64_t batch = 1;           // concurrent sequences
    std::int64_t prompt_tokens = 512;  // prefill length per sequence
    std::int64_t output_tokens = 256;  // decoded tokens per sequence
    WeightPrecision weights = WeightPrecision::bf16;
    DType compute = DType::bf16;       // activations and KV cache
    int tp = 1;                        // devices holding one model replica
};

// Money and energy inputs; defaults and their sources in docs/costmodel.md.
struct CostInputs {
    double price_per_hour = -1;  // USD per device-hour; < 0: the profile's
    double power_watts = -1;     // per device; < 0: the profile's TDP
    // Average draw as a fraction of that power. 1.0 follows the model cards' convention
    // (Llama 2 paper's carbon estimate: GPU-hours x peak power per device).
    double power_utilisation = 1.0;
    // Data-centre overhead. 1.1: the PUE Patterson et al. 2021 ("Carbon Emissions and Large
    // Neural Network Training") report for Google's data centres (US average ~1.6).
    double pue = 1.1;
};

}  // namespace flopmeter::cost
