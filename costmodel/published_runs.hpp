// Validating the cost model against published training runs (data/published_runs.json):
//  - 'flops' rows: total training compute, checked within 3%;
//  - 'step_mfu' rows: the per-device throughput implied by the reported utilisation, which the
//    cost model's estimate (on the datasheet profile of that hardware, with the run's published
//    parallel layout) must reproduce within 10%;
//  - 'card_gpu_hours' rows: the utilisation the card's GPU-hours imply, printed with the
//    reminder that card hours include more than steady training steps.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "calibrate/predictor.hpp"

namespace flopmeter::cost {

const char* builtin_published_runs();
const char* builtin_published_runs_setup();

struct RunCheck {
    std::string model, kinds, source, preset;
    double params = 0, tokens = 0, flops_per_token = 0;  // flops_per_token: exact model FLOPs, causal

    // 'flops'
    bool has_flops = false;
    double published_flops = 0, six_nd = 0, exact = 0, exact_noncausal = 0;
    bool flops_pass = false;

    // 'step_mfu'
    bool has_step = false;
    double util_lo = 0, util_hi = 0, peak = 0;  // reported utilisation range, hardware dense peak
    std::string util_from;                       // which published field it came from
    double implied_tps_lo = 0, implied_tps_hi = 0;  // tokens/s per device implied by the utilisation
    double implied_hours_lo = 0, implied_hours_hi = 0;
    std::string profile;  // empty: no datasheet profile of this hardware, estimate skipped
    double est_tps = 0, est_mfu = 0, est_hours = 0, est_deviation = 0;
    bool step_checked = false, step_pass = false;

    // 'card_gpu_hours'
    bool has_card = false;
    double card_hours = 0, card_util = 0;

    std::vector<std::string> notes;
};

struct ValidationReport {
    std::vector<RunCheck> rows;
    int passed = 0, failed = 0, skipped = 0;
};

using ProfileLoader = std::function<std::unique_ptr<Predictor>(const std::string&)>;

// Throws UsageError on malformed data (naming the row and field).
ValidationReport validate_published_runs(const std::string& runs_json, const std::string& setup_json,
                                         const ProfileLoader& load);

void print_validation(std::ostream& os, const ValidationReport& r, bool markdown);

}  // namespace flopmeter::cost
