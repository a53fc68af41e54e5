// The empirical roofline of this machine: compute ceilings per dtype (one core and all
// cores) and bandwidth per memory level, as one report with JSON I/O.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/provenance.hpp"
#include "measure/roofline/bandwidth.hpp"
#include "measure/roofline/peak.hpp"

namespace flopmeter {

inline constexpr const char* kRooflineSchema = "flopmeter.roofline";
inline constexpr int kRooflineSchemaVersion = 1;

struct RooflineReport {
    Provenance provenance;
    std::vector<PeakResult> peaks;           // each kind at 1 thread and at `threads`
    std::vector<BandwidthResult> bandwidth;  // each level x kernel at `threads`
};

struct RooflineOptions {
    int threads = 0;  // 0: one per core
    bool quick = false;
};

// `progress` (optional) receives one line per step.
RooflineReport measure_roofline(const RooflineOptions& o, std::ostream* progress = nullptr);

nlohmann::ordered_json roofline_to_json(const RooflineReport& r);
RooflineReport roofline_from_json(const nlohmann::ordered_json& j);  // throws UsageError

}  // namespace flopmeter
