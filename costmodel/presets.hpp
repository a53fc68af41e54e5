// Built-in models: published architectures, each with the source of its numbers and the
// parameter count its authors published (the test checks our count against it).
#pragma once

#include <string>
#include <vector>

#include "costmodel/model_config.hpp"

namespace flopmeter::cost {

struct Preset {
    std::string key;  // what --model takes: "llama2-7b"
    ModelConfig model;
    double published_params = 0;         // as published (total for MoE)
    double published_active_params = 0;  // MoE only
    std::string params_source;
};

const std::vector<Preset>& presets();
const Preset* find_preset(const std::string& key);  // ignores case, '-', '_', '.', ' '
std::string preset_names();                         // "gpt2, gpt3-175b, ..."

}  // namespace flopmeter::cost
