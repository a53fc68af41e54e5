// The decomposition: every op of one micro-batch's forward (and backward) pass on one device,
// with exact shapes after tensor parallelism. GEMMs appear in their real layouts: forward
// Y = X W (nn), data gradient dX = dY W^T (nt), weight gradient dW = X^T dY (tn), as
// kernels/gemm/gemm_problem.hpp documents.
#pragma once

#include <cstdint>

#include "costmodel/lora.hpp"
#include "costmodel/model_config.hpp"
#include "costmodel/ops.hpp"
#include "costmodel/workload.hpp"

namespace flopmeter::cost {

struct PassShape {
    std::int64_t batch = 1;  // sequences in this micro-batch
    std::int64_t seq_q = 1;  // new tokens per sequence (training, prefill: the sequence; decode: 1)
    std::int64_t seq_k = 1;  // keys per sequence (== seq_q except when decoding against a KV cache)
    bool causal = true;
    int tp = 1;
    bool sequence_parallel = false;
    DType dtype = DType::bf16;
    AttentionImpl attention = AttentionImpl::fused;
    bool fp8 = false;            // linear layers' GEMMs at the FP8 rate
    int ep = 1;                  // expert parallelism: experts on this device = experts / ep
    double moe_imbalance = 1.0;  // busiest rank's routed tokens over the average (timing only)
    // Context parallelism: seq_q/seq_k are this rank's share (2 chunks of seq / (2 cp)); causal
    // attention runs against the keys all ranks gathered, load-balanced (Dubey et al. 2024, 3.3.2).
    int cp = 1;
    AttentionKernel attention_kernel =
        AttentionKernel::unspecified;  // fused attention's implementation
};

struct BackwardSpec {
    Mode mode = Mode::pretrain;
    Recompute recompute = Recompute::none;
    LoraSetup lora;  // used when mode == lora
};

// Which part of the model this device runs (pipeline stage).
struct StageSpec {
    std::int64_t layers = 0;  // transformer layers on this stage
    bool first = true;        // holds the embedding (and global layer 0)
    bool last = true;         // holds the final norm, logits and loss (and the MTP modules)
    std::int64_t first_layer =
        0;  // global index of its first layer (MoE models: dense layers come first)
};

// Forward only when `bwd` is null (inference). Throws UsageError for LoRA targets that do not
// exist in this model.
OpList build_stage_ops(const ModelConfig& m, const PassShape& s, const StageSpec& stage,
                       const BackwardSpec* bwd);

// Heads (and KV heads) one device holds under tensor parallelism; KV heads are replicated when
// there are fewer than tp of them.
std::int64_t heads_per_device(const ModelConfig& m, int tp);
std::int64_t kv_heads_per_device(const ModelConfig& m, int tp);

}  // namespace flopmeter::cost
