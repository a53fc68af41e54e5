// LoRA (Hu et al. 2021): which modules carry adapters, and how many parameters they add.
#pragma once

#include <set>
#include <string>

#include "costmodel/model_config.hpp"
#include "costmodel/workload.hpp"

namespace flopmeter::cost {

// Canonical target names (q, k, v, o, gate, up, down; "q_proj" etc. accepted). Throws
// UsageError for unknown names, a gate on an ungated MLP, expert MLPs, or rank <= 0.
std::set<std::string> lora_target_set(const ModelConfig& m, const LoraSetup& l);

// LoRA parameters (adapters A: in x r, B: r x out) over the whole model.
double lora_params(const ModelConfig& m, const LoraSetup& l);

}  // namespace flopmeter::cost
