// Finding and loading device profiles by name or path: built-in datasheet profiles ("h100",
// "h200", ...), profiles in the local profile directory, or a JSON file path.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "calibrate/predictor.hpp"

namespace flopmeter {

// Throws UsageError naming the valid choices when `name_or_path` is neither a built-in
// profile name, a local profile, nor a readable profile file.
std::unique_ptr<Predictor> load_predictor(const std::string& name_or_path);

// Names of the built-in datasheet profiles.
std::vector<std::string> builtin_profile_names();

}  // namespace flopmeter
