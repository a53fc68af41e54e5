#include "measure/system_checks.hpp"

#include <fstream>

namespace flopmeter {

namespace {
std::string read_line(const char* path) {
    std::ifstream f(path);
    std::string s;
    std::getline(f, s);
    return s;
}
}  // namespace

SystemState read_system_state() {
    SystemState s;
    s.governor = read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    const std::string boost = read_line("/sys/devices/system/cpu/cpufreq/boost");
    const std::string no_turbo = read_line("/sys/devices/system/cpu/intel_pstate/no_turbo");
    if (!boost.empty())
        s.turbo = boost == "1" ? "on" : "off";
    else if (!no_turbo.empty())
        s.turbo = no_turbo == "0" ? "on" : "off";
    return s;
}

std::vector<std::string> system_warnings(const SystemState& s) {
    std::vector<std::string> w;
    if (!s.governor.empty() && s.governor != "performance")
        w.push_back("CPU frequency governor is '" + s.governor +
                    "', not 'performance': clocks may ramp during a run and add noise");
    if (s.turbo == "on")
        w.push_back(
            "turbo/boost is on: clocks depend on temperature and on how many cores are busy");
    return w;
}

}  // namespace flopmeter
