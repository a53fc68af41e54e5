// Machine settings that change what a benchmark measures: the CPU frequency governor and the
// turbo/boost state, where the OS exposes them. Unreadable settings are not warnings.
#pragma once

#include <string>
#include <vector>

namespace flopmeter {

struct SystemState {
    std::string governor;  // "performance", "powersave", ... or "" when not exposed
    std::string turbo;     // "on", "off" or ""
};

SystemState read_system_state();
std::vector<std::string> system_warnings(const SystemState& s);

}  // namespace flopmeter
