// Memory per device: weights, gradients, optimizer state, activations kept for backward (and
// the KV cache when serving). A plan that does not fit is refused with the numbers.
#pragma once

#include <string>

#include "costmodel/layer_ops.hpp"
#include "costmodel/model_config.hpp"
#include "costmodel/ops.hpp"
#include "costmodel/workload.hpp"

namespace flopmeter::cost {

struct MemoryPlan {
    double weights = 0, gradients = 0, optimizer = 0, activations = 0, kv_cache = 0;
    double capacity = 0;  // the device's memory (0: unknown, not checked)
    double params_on_device = 0, trainable_on_device = 0;
    // Parameters whose optimizer state this device holds and updates each step (ZeRO-1 and up:
    // its shard; experts shard over the dp / ep ranks that hold them; DualPipe: both stages).
    double optimizer_params = 0;
    double total() const { return weights + gradients + optimizer + activations + kv_cache; }
    bool fits() const { return capacity <= 0 || total() <= capacity; }
};

// Parameters one device of a pipeline stage holds, split into those every data-parallel rank
// holds (`shared`) and routed experts, which expert parallelism spreads over `ep` ranks.
struct StageParams {
    double shared = 0, experts = 0;
    double total() const { return shared + experts; }
};

// Tensor parallelism: KV projections replicated when there are fewer KV heads than ranks;
// norms, the MoE router and MLA's down-projections replicated; vocabulary padded to a multiple
// of tp, as Megatron does. The last stage also holds the MTP modules.
StageParams stage_params(const ModelConfig& m, int tp, int ep, const StageSpec& st, int pp);
double stage_params_per_device(const ModelConfig& m, int tp, std::int64_t layers, bool first,
                               bool last, int pp);

// Activations: `ops` is one micro-batch of the stage; the schedule keeps `in_flight` micro-batches.
MemoryPlan training_memory(const ModelConfig& m, const TrainingSetup& s, const OpList& ops,
                           const StageSpec& st, double in_flight, double capacity);

// "needs 95.3 GiB per device of 80.0 GiB: weights ..., ...".
std::string describe_memory(const MemoryPlan& p);

}  // namespace flopmeter::cost
