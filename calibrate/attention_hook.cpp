#include "calibrate/attention_hook.hpp"

#include "core/error.hpp"

namespace flopmeter {

// Attention kernels are not built yet: the sweep has no attention cases.
std::vector<SweepCase> plan_attention_sweep(const std::string&, int) { return {}; }

CaseResult measure_attention_case(const SweepCase& c, const MeasureOptions&, MeasureContext&) {
    throw UnavailableError("attention case '" + c.name + "': no attention kernels in this build");
}

}  // namespace flopmeter
