// Pocket and edge devices as datasheet profiles (issue 16): phones (Apple A-series, Qualcomm
// Snapdragon 8-series, Google Tensor), Apple M-series laptops, NVIDIA Jetson Orin and the
// Raspberry Pi 5, with memory, bandwidth, peaks per dtype and power, each fact with its source.
// Beside the profile schema's facts, what a pocket answer needs: battery energy, the memory
// the OS and apps keep, and the power drawn while generating.
#pragma once

#include <string>
#include <vector>

#include "calibrate/profile.hpp"

namespace flopmeter {

struct EdgeFacts {
    std::string profile;          // datasheet profile name
    std::string kind;             // "phone", "laptop", "edge"
    double battery_wh = 0;        // 0: mains powered
    double os_reserve_bytes = 0;  // memory not available to one model (OS, apps)
    double active_watts = 0;      // device power while generating (SoC + memory)
    std::string battery_source, os_source, power_source;
};

// Appends the edge datasheet profiles (called by datasheet_profiles()).
void add_edge_datasheet_profiles(std::vector<DeviceProfile>& v);
const std::vector<EdgeFacts>& edge_facts();
const EdgeFacts* find_edge_facts(const std::string& profile);

}  // namespace flopmeter
