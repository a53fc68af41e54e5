// Built-in datasheet profiles: dense (never sparse) peaks per dtype, memory, bandwidth, links,
// TDP and a default price, each with its source. Their rate model is "peak x a stated default
// efficiency", labelled datasheet everywhere it is used.
#pragma once

#include <string>
#include <vector>

#include "calibrate/profile.hpp"

namespace flopmeter {

// Default efficiencies of the datasheet rate model (fractions of peak), stated and cited.
struct DatasheetEfficiency {
    double gemm = 0.75;       // large dense GEMMs, fraction of dense peak
    double attention = 0.50;  // fused attention, fraction of dense peak
    double memory = 0.80;     // memory-bound ops, fraction of peak bandwidth
    double comm = 0.80;       // collectives, fraction of link bandwidth
    double comm_latency_s = 10e-6;  // per collective step (assumption)
    std::string source;
};

std::vector<DeviceProfile> datasheet_profiles();
// nullptr when unknown; matching ignores case and '-'/'_'.
const DeviceProfile* find_datasheet_profile(const std::string& name);
DatasheetEfficiency datasheet_efficiency(const DeviceProfile& p);

}  // namespace flopmeter
