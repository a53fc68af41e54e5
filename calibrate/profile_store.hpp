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

namespace flopmeter {

struct DeviceProfile;

// Where local profiles live: $FLOPMETER_PROFILE_DIR, else $XDG_DATA_HOME/flopmeter/profiles,
// else ~/.local/share/flopmeter/profiles.
std::string local_profile_dir();
// (name, path) of every profile file in the local directory.
std::vector<std::pair<std::string, std::string>> local_profiles();
// The profile itself (built-in, local name, or path; "@backend" suffix ignored).
DeviceProfile load_profile(const std::string& name_or_path);

}  // namespace flopmeter
