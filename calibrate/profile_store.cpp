#include "calibrate/profile_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "calibrate/datasheet.hpp"
#include "calibrate/datasheet_cpu.hpp"
#include "calibrate/profile.hpp"
#include "calibrate/profile_predictor.hpp"
#include "core/error.hpp"

namespace flopmeter {

namespace {

bool is_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::pair<std::string, std::string> split_backend(const std::string& s) {
    const auto at = s.rfind('@');
    if (at == std::string::npos || at == 0) return {s, ""};
    return {s.substr(0, at), s.substr(at + 1)};
}

}  // namespace

std::vector<std::string> builtin_profile_names() {
    std::vector<std::string> v;
    for (const auto& p : datasheet_profiles()) v.push_back(p.name);
    return v;
}

std::string local_profile_dir() {
    if (const char* d = std::getenv("FLOPMETER_PROFILE_DIR"); d && *d) return d;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
        return std::string(x) + "/flopmeter/profiles";
    if (const char* h = std::getenv("HOME"); h && *h)
        return std::string(h) + "/.local/share/flopmeter/profiles";
    return ".flopmeter/profiles";
}

std::vector<std::pair<std::string, std::string>> local_profiles() {
    std::vector<std::pair<std::string, std::string>> v;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(local_profile_dir(), ec)) {
        if (!e.is_regular_file() || e.path().extension() != ".json") continue;
        v.emplace_back(e.path().stem().string(), e.path().string());
    }
    return v;
}

DeviceProfile load_profile(const std::string& name_or_path) {
    const std::string name = split_backend(name_or_path).first;
    if (name.empty()) throw UsageError("empty profile name");
    if (is_file(name)) return read_profile_file(name);
    if (const DeviceProfile* d = find_datasheet_profile(name)) return *d;
    if (name == "this-cpu") throw UnavailableError(this_cpu_datasheet_error());
    for (const auto& [n, path] : local_profiles())
        if (n == name) return read_profile_file(path);
    std::string valid;
    for (const auto& n : builtin_profile_names()) valid += (valid.empty() ? "" : ", ") + n;
    for (const auto& [n, path] : local_profiles()) valid += ", " + n;
    throw UsageError("unknown profile '" + name +
                     "': not a file, a built-in profile or a local profile in " +
                     local_profile_dir() + " (valid: " + valid + ")");
}

std::unique_ptr<Predictor> load_predictor(const std::string& name_or_path) {
    const auto [name, backend] = split_backend(name_or_path);
    DeviceProfile p = load_profile(name);
    if (p.kind == "measured" && !p.complete)
        // An interrupted calibration has measurements but no fitted rate model yet: predicting
        // from it would answer from whatever happened to be measured.
        throw UsageError("profile '" + name +
                         "' is incomplete: " + std::to_string(p.measurements.size()) + " of " +
                         std::to_string(p.planned.size()) +
                         " planned cases measured and no rate model fitted (an interrupted "
                         "calibration); finish it "
                         "with: flopmeter calibrate --resume " +
                         name + " --out " + name);
    if (!backend.empty() && p.kind == "measured" &&
        std::find(p.backends.begin(), p.backends.end(), backend) == p.backends.end()) {
        std::string have;
        for (const auto& b : p.backends) have += (have.empty() ? "" : ", ") + b;
        throw UsageError("profile '" + name + "' has no measurements for backend '" + backend +
                         "' (it has: " + have + ")");
    }
    return make_profile_predictor(std::move(p), backend);
}

}  // namespace flopmeter
