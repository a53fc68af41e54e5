// Communication of a training step, timed by Predictor::comm (measured collectives, or the
// datasheet link bandwidth when there are none). Ranks are placed tensor-parallel innermost,
// then pipeline, then data-parallel, so a group crosses nodes only when it must.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "calibrate/predictor.hpp"
#include "costmodel/model_config.hpp"
#include "costmodel/workload.hpp"

namespace flopmeter::cost {

struct CommTimes {
    double tp_per_microbatch = 0;  // tensor-parallel collectives of one micro-batch (critical path)
    double pp_per_microbatch = 0;  // pipeline send/recv of one micro-batch (critical path)
    double dp_per_step = 0;        // data-parallel gradient/ZeRO traffic of one step (may overlap)
    double dp_bytes_per_step = 0, tp_bytes_per_microbatch = 0;
    std::set<std::string> sources;
};

CommTimes plan_training_comm(const ModelConfig& m, const TrainingSetup& s, std::int64_t layers_on_stage, bool first,
                             double trainable_per_device, double params_per_device, const Predictor& p);

// Tensor-parallel all-reduces of one forward pass over `tokens` (inference).
double inference_tp_comm(const ModelConfig& m, std::int64_t tokens, int tp, DType dtype, const Predictor& p,
                         std::set<std::string>& sources);

}  // namespace flopmeter::cost
