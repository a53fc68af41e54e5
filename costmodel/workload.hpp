// What the user asks the cost model: the training (or inference) job and how it is spread
// over devices. Plain data; checked by check_training_setup() / check_inference_setup().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "calibrate/predictor.hpp"
#include "core/dtype.hpp"

namespace flopmeter::cost {

enum class Mode { pretrain, delta, lora };
enum class Recompute { none, selective, full };
// fused: one FlashAttention-style kernel per direction, timed by Predictor::attention.
// explicit: QK^T, softmax and PV as separate batched GEMMs and a memory-bound softmax, as an
// eager framework runs them (nanoGPT's non-flash path); all S x S scores are computed.
enum class AttentionImpl { fused, explicit_matmul };

// Pipeline schedules. one_f_one_b: PipeDream-Flush/Megatron 1F1B (interleaved with
// virtual_stages > 1). zero_bubble: ZB1P, weight gradients fill the bubble (Qi et al. 2023).
// dualpipe: DeepSeek-V3's bidirectional schedule (DeepSeek-AI 2024, section 3.2.1), which
// overlaps expert-parallel all-to-all and pipeline transfers with compute. Bubble sizes from
// DeepSeek-V3 report Table 2.
enum class Schedule { one_f_one_b, zero_bubble, dualpipe };
std::string schedule_name(Schedule s);

std::string mode_name(Mode m);
std::string recompute_name(Recompute r);
std::string attention_impl_name(AttentionImpl a);

struct Parallelism {
    int dp = 1, tp = 1, pp = 1;
    int zero = 0;                    // ZeRO stage 0-3 over the data-parallel group
    std::int64_t micro_batch = 1;    // sequences per micro-batch
    bool sequence_parallel = false;  // Megatron sequence parallelism for norms/residuals
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
    // Fraction (0..1) of tensor-parallel collectives hidden under the layer's GEMMs (Megatron
    // --tp-comm-overlap, Transformer Engine userbuffers). 0: all on the critical path.
    double tp_overlap = 0.0;
    Schedule schedule = Schedule::one_f_one_b;
    // Expert parallelism: each MoE layer's experts split over `ep` ranks of the data-parallel
    // group, tokens exchanged by all-to-all (dispatch and combine).
    int ep = 1;
    // Load on the busiest expert-parallel rank over the average (>= 1): sets the expert GEMMs'
    // rows and the all-to-all size. 1.0: uniform routing.
    double moe_imbalance = 1.0;
    // Context parallelism (ring attention): each sequence split over `cp` ranks; keys and
    // values pass around the ring.
    int cp = 1;
    int devices() const { return dp * tp * pp * cp; }
};

struct LoraSetup {
    std::int64_t rank = 16;
    // Module names: q, k, v, o (attention) and gate, up, down (MLP). Default: q and v, as in
    // Hu et al. 2021 (LoRA), section 7.1.
    std::vector<std::string> targets{"q", "v"};
};

struct TrainingSetup {
    Mode mode = Mode::pretrain;
    double tokens = 0;       // tokens trained on (for delta: the new tokens only)
    double base_tokens = 0;  // delta only: tokens of the original pretraining, for comparison
    std::int64_t seq_len = 0;
    std::int64_t global_batch = 0;  // sequences per optimizer step, over all data-parallel ranks
    DType dtype =
        DType::bf16;  // compute dtype; 16-bit means mixed precision with fp32 master weights
    // FP8 GEMMs (DeepSeek-V3 section 3.3.1): the linear layers' forward, data- and weight-gradient
    // GEMMs at the FP8 rate; embedding, output head, MoE gating, norms and attention stay in
    // 16-bit, as that report lists.
    bool fp8 = false;
    Recompute recompute = Recompute::none;
    AttentionImpl attention = AttentionImpl::fused;
    // Which fused-attention kernel (FlashAttention-2/3, cuDNN); unspecified: the profile's default.
    AttentionKernel attention_kernel = AttentionKernel::unspecified;
    Parallelism par;
    LoraSetup lora;
};

enum class WeightPrecision { bf16, int8, int4 };
std::string weight_precision_name(WeightPrecision w);
double weight_bytes(WeightPrecision w);  // bytes per weight: 2, 1, 0.5

// KV cache storage: the compute dtype, bf16, or int8 with one fp32 scale per token, layer and
// KV head vector (kernels/attention/attention_problem.hpp).
enum class KvPrecision { compute, bf16, int8 };
std::string kv_precision_name(KvPrecision k);

// How a runtime appends a generated token's keys and values to its cache: written into a
// preallocated cache (in_place), or by concatenating the old cache with the new vectors into a
// new tensor every step (concat: torch.cat in an eager decode loop), which reads the whole
// cache and writes it again.
enum class KvAppend { in_place, concat };
std::string kv_append_name(KvAppend k);

struct InferenceSetup {
    std::int64_t batch = 1;            // concurrent sequences
    std::int64_t prompt_tokens = 512;  // prefill length per sequence
    std::int64_t output_tokens = 256;  // decoded tokens per sequence
    WeightPrecision weights = WeightPrecision::bf16;
    DType compute = DType::bf16;  // activations (and the KV cache unless kv says otherwise)
    KvPrecision kv = KvPrecision::compute;
    int tp = 1;  // devices holding one model replica
    // What the runtime adds beyond its kernels: host time per op it launches (an eager
    // framework's Python, dispatcher and thread-pool hand-off; a GPU runtime's kernel launch).
    // Added to every launched op in series: the host issues the next op only after this one
    // (CPU eager mode; on a GPU the case where kernels are shorter than their launches).
    // 0: flopmeter's own kernels called back to back.
    double op_overhead_s = 0;
    KvAppend kv_append = KvAppend::in_place;
    // fused: one attention kernel (FlashAttention-style, a decode-attention kernel); explicit:
    // QK^T, softmax and PV as separate ops, as an eager framework runs them.
    AttentionImpl attention = AttentionImpl::fused;
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
