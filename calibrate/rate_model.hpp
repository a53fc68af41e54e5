// The fitted rate model: predicts the time of a GEMM, attention or memory-bound op of any
// shape from the measurements of a calibration.
//
// Per op key (e.g. "gemm/own/fp32/nn") the model has two parts:
//  1. a linear time model t = c0 + c1*flops + c2*bytes (+ c3*extra), coefficients >= 0, fitted
//     by least squares on relative error over the measured shapes (per-call overhead, compute
//     at a sustained rate, operand traffic);
//  2. a correction for what the linear model misses (tile padding, thread imbalance, cache
//     effects): the log-ratio of measured to linear time at each measured shape, interpolated
//     at the query by inverse-distance weighting of the nearest measured shapes in log2 shape
//     coordinates.
// Rule for shapes outside the measured range: when any log2 coordinate lies more than
// `margin` beyond the measured range, the correction is dropped and the linear model alone
// predicts. In every case the predicted time is bounded below by flops / measured ceiling, so
// no prediction is faster than the machine's own peak.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibrate/gemm_tiling.hpp"

namespace flopmeter {

struct FitSample {
    std::vector<double> coords;    // log2 shape coordinates
    std::vector<double> features;  // linear-model features (first is 1)
    double seconds = 0;            // measured median
    double flops = 0;              // model FLOPs (for the ceiling bound and efficiency)
    std::string name;
};

struct OpRateModel {
    std::string key;  // "gemm/own/fp32/nn", "attention/own/fp32/fwd/causal", "memory/norm"
    std::vector<std::string>
        features;              // names of the linear features, e.g. {"1", "flops", "bytes"}
    std::vector<double> coef;  // seconds per unit of each feature
    std::vector<std::vector<double>> point_coords;
    std::vector<double> point_log_residual;
    std::vector<double> lo, hi;      // measured range of each coordinate
    double ceiling_flops_per_s = 0;  // lower bound on time: flops / ceiling (0: none)
    double margin = 1.0;             // log2 units beyond the range where correction still applies
    int neighbours = 4;
    double fit_rms_rel_error = 0;  // of the linear part alone, on the fitted samples
    // GEMM models with a "padded_flops" feature: the kernel's tiles and thread count that
    // feature is computed with (calibrate/gemm_tiling.hpp). Unknown (all 1) otherwise.
    GemmTiling tiling;

    struct Result {
        double seconds = 0;
        bool extrapolated = false;   // outside the measured range: linear model only
        bool ceiling_bound = false;  // the ceiling bound was applied
        std::vector<int> nearest;    // indices of the neighbours used
    };
    Result predict(const std::vector<double>& coords, const std::vector<double>& features,
                   double flops) const;
    // Relative error (predicted / measured - 1) at fitted point `i` when its own correction is
    // left out and its neighbours' interpolate it: large where a point disagrees with the
    // shapes around it (a disturbed measurement, or a real local effect). 0 with < 2 points.
    double leave_one_out_error(std::size_t i) const;
};

// Fits one op key. Needs at least as many samples as features.
OpRateModel fit_op_model(const std::string& key, const std::vector<std::string>& feature_names,
                         const std::vector<FitSample>& samples, double ceiling_flops_per_s);

struct RateModel {
    std::vector<OpRateModel> ops;
    const OpRateModel* find(const std::string& key) const;
};

nlohmann::ordered_json rate_model_to_json(const RateModel& m);
RateModel rate_model_from_json(const nlohmann::ordered_json& j);

}  // namespace flopmeter
