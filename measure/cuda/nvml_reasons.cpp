// Decoding NVML's clock-event reason bits; no NVML needed (compiled in every build).
#include <cstdio>

#include "measure/cuda/nvml.hpp"

namespace flopmeter {

std::vector<std::string> decode_clock_reasons(std::uint64_t mask) {
    static const std::pair<std::uint64_t, const char*> names[] = {
        {kNvmlReasonGpuIdle, "gpu_idle"},
        {kNvmlReasonAppClocks, "applications_clocks"},
        {kNvmlReasonSwPowerCap, "sw_power_cap"},
        {kNvmlReasonHwSlowdown, "hw_slowdown"},
        {kNvmlReasonSyncBoost, "sync_boost"},
        {kNvmlReasonSwThermal, "sw_thermal"},
        {kNvmlReasonHwThermal, "hw_thermal"},
        {kNvmlReasonHwPowerBrake, "hw_power_brake"},
        {kNvmlReasonDisplayClocks, "display_clocks"}};
    std::vector<std::string> out;
    std::uint64_t known = 0;
    for (const auto& [bit, name] : names) {
        known |= bit;
        if (mask & bit) out.emplace_back(name);
    }
    if (const std::uint64_t rest = mask & ~known) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(rest));
        out.emplace_back(buf);
    }
    return out;
}

}  // namespace flopmeter
