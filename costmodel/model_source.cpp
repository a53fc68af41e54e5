#include "costmodel/model_source.hpp"

#include <filesystem>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "costmodel/presets.hpp"

namespace flopmeter::cost {

ModelConfig load_model(const std::string& name_or_path, const HfParseOptions& o) {
    if (const Preset* p = find_preset(name_or_path)) return p->model;
    std::error_code ec;
    std::string path = name_or_path;
    if (std::filesystem::is_directory(path, ec)) path += "/config.json";
    if (!std::filesystem::is_regular_file(path, ec))
        throw UsageError("unknown model '" + name_or_path + "': not a built-in preset (valid: " +
                         preset_names() + ") nor a config.json file");
    return parse_hf_config(read_file(path), path, o);
}

}  // namespace flopmeter::cost
