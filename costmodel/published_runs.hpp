// Validating the cost model against published training runs (data/published_runs.json):
//  - 'flops' rows: total training compute, checked within 3%;
//  - 'throughput' rows: steady training throughput as published (tokens/s per device, seconds
//    per iteration, TFLOP/s per device under a stated FLOP convention or the source's own FLOP
//    formula, MFU, or GPU-hours for a number of tokens),
//    against the cost model's estimate on the datasheet profile of that hardware with the
//    layout as published (data/published_runs_setup.json: one source per knob; a knob not
//    published takes the file's fixed default). Each row's error and the median are printed;
//    nothing is tuned to them and no row is left out for its error;
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
    std::string model, kinds, source, model_name;
    double params = 0, published_params = 0, tokens = 0,
           flops_per_token = 0;  // exact model FLOPs, causal

    // 'flops'
    bool has_flops = false;
    double published_flops = 0, six_nd = 0, exact = 0, exact_noncausal = 0;
    bool flops_pass = false;

    // 'throughput'
    bool has_throughput = false;
    std::string
        measure;  // what was published ("tokens/s per GPU", "TFLOP/s per GPU, non-causal", ...)
    std::string
        convention;  // FLOP convention of a TFLOP/s or MFU figure (or "not published: <default>")
    double published_tps = 0;  // tokens/s per device the published figure means
    std::string profile;       // datasheet profile used; empty: none for this hardware
    std::string layout;        // "tp 8, pp 16*, ..." (* = not published, the fixed default)
    bool estimated = false, refused = false;
    std::string refusal;
    double est_tps = 0, est_mfu = 0, error = 0;  // error: estimate / published - 1

    // 'card_gpu_hours'
    bool has_card = false;
    double card_hours = 0, card_util = 0, peak = 0;

    std::vector<std::string> notes;
};

struct ValidationReport {
    std::vector<RunCheck> rows;
    int flops_passed = 0, flops_failed = 0;
    int estimated = 0, refused = 0, skipped = 0;  // throughput rows
    double median_abs_error = 0;                  // over the estimated throughput rows
};

using ProfileLoader = std::function<std::unique_ptr<Predictor>(const std::string&)>;

// Throws UsageError on malformed data (naming the row and field).
ValidationReport validate_published_runs(const std::string& runs_json,
                                         const std::string& setup_json, const ProfileLoader& load);

void print_validation(std::ostream& os, const ValidationReport& r, bool markdown);

}  // namespace flopmeter::cost
