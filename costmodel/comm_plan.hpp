// Communication of a training step, timed by Predictor::comm (measured collectives, or the
// datasheet link bandwidth when there are none). Ranks are placed tensor-parallel innermost,
// then pipeline, then data-parallel, so a group crosses nodes only when it must.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "calibrate/predictor.hpp"
#include "costmodel/layer_ops.hpp"
#include "costmodel/memory_plan.hpp"
#include "costmodel/model_config.hpp"
#include "costmodel/workload.hpp"

namespace flopmeter::cost {

struct CommTimes {
    double tp_per_microbatch = 0;  // tensor-parallel collectives of one micro-batch
    double pp_per_microbatch = 0;  // pipeline send/recv of one micro-batch (with scatter/gather)
    double ep_per_microbatch =
        0;  // expert-parallel all-to-all (dispatch, combine) of one micro-batch
    double cp_per_microbatch =
        0;  // context-parallel key/value all-gathers (and gradient reduce-scatters)
    double dp_per_step = 0;  // data-parallel gradient/ZeRO traffic of one step (may overlap)
    double dp_bytes_per_step = 0, tp_bytes_per_microbatch = 0;
    std::set<std::string> sources;
};

// `params`: the stage's parameters on one device (shared and expert parts); for LoRA the
// trainable adapters are `lora_trainable`.
CommTimes plan_training_comm(const ModelConfig& m, const TrainingSetup& s, const StageSpec& st,
                             const StageParams& params, double lora_trainable, const Predictor& p);

// Tensor-parallel all-reduces of one forward pass over `tokens` (inference).
double inference_tp_comm(const ModelConfig& m, std::int64_t tokens, int tp, DType dtype,
                         const Predictor& p, std::set<std::string>& sources);

}  // namespace flopmeter::cost
