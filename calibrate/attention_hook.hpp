// The calibration's link to the attention kernels (issue: CPU attention): the attention part
// of a sweep, and measuring one planned attention case. Lives apart so the sweep compiles
// whether or not attention kernels are built.
#pragma once

#include <string>
#include <vector>

#include "calibrate/sweep.hpp"
#include "measure/attention_case.hpp"
#include "measure/measure_case.hpp"

namespace flopmeter {

std::vector<SweepCase> plan_attention_sweep(const std::string& mode, int threads);
// The kernel case of a planned attention case at `threads` threads.
AttentionCaseSpec attention_spec_of(const SweepCase& c, int threads);
CaseResult measure_attention_case(const SweepCase& c, const MeasureOptions& o, MeasureContext& ctx);

}  // namespace flopmeter
