// The datasheet of the CPU flopmeter runs on, so a calibrated profile is compared like for like
// (`estimate --compare-datasheet this-cpu`), not with a stated 64-core server. Peak FLOP/s =
// cores x max clock x dense FLOP per cycle per core of the microarchitecture (from the vendors'
// optimization manuals, cited per row); memory bandwidth = channels x transfer rate x 8 bytes
// where the machine says them, else unknown (0, and the profile says so).
#pragma once

#include <optional>
#include <string>

#include "calibrate/profile.hpp"
#include "core/cpu_features.hpp"

namespace flopmeter {

// Dense FLOP per cycle per core (an FMA counts 2) through the vector units.
struct CpuMicroarch {
    std::string name;           // "AMD Zen 4"
    double fp32 = 0, fp64 = 0;  // FMA throughput x lanes x 2
    double bf16 = 0;     // bf16 dot-product instructions (0: none, bf16 runs at the fp32 rate)
    std::string source;  // manual and section the unit count and width come from
};

// The row for this vendor/family/model/ISA; nullopt for microarchitectures not in the table
// (and for server parts whose FMA-unit count varies by SKU).
std::optional<CpuMicroarch> cpu_microarch(const CpuFeatures& f);

struct CpuDatasheetInputs {
    std::string model;  // CPU model name
    int cores = 0;      // cores this machine has (a VM: its vCPUs' cores)
    double max_ghz = 0;
    std::string clock_source;  // where max_ghz comes from
    double memory_bytes = 0;
    int memory_channels = 0;  // 0: unknown
    double memory_mts = 0;    // transfers per second (MT/s), 0: unknown
    std::string memory_source;
};

// The datasheet profile from a table row and this machine's figures (pure: tests use it).
DeviceProfile cpu_datasheet(const CpuMicroarch& u, const CpuDatasheetInputs& in);

// This machine's inputs: cores (hwloc), max clock (cpufreq cpuinfo_max_freq, else the brand
// string's "@ x GHz", else /proc/cpuinfo "cpu MHz" labelled as the nominal clock), memory size,
// and channels x speed from SMBIOS type 17 when readable (/sys/firmware/dmi/entries/17-*).
CpuDatasheetInputs this_cpu_inputs();

// "this-cpu": the datasheet of the CPU this process runs on; nullptr when its microarchitecture
// is not in the table (this_cpu_datasheet_error() says why).
const DeviceProfile* this_cpu_datasheet();
std::string this_cpu_datasheet_error();

}  // namespace flopmeter
