// --model: a built-in preset name, a config.json file, or a directory holding one.
#pragma once

#include <string>

#include "costmodel/hf_config.hpp"
#include "costmodel/model_config.hpp"

namespace flopmeter::cost {

// Throws UsageError naming the presets when `name_or_path` is neither a preset nor readable.
ModelConfig load_model(const std::string& name_or_path, const HfParseOptions& o = {});

}  // namespace flopmeter::cost
