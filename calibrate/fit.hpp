// From a calibration's measurements to the profile's rate model and held-out evaluation.
#pragma once

#include "calibrate/profile.hpp"

namespace flopmeter {

// Fits one model per op key on the non-held-out measurements, then predicts every held-out
// measurement and summarises the errors per op (median and 90th percentile of |rel error|).
void fit_profile(DeviceProfile& p);

// The key, coordinates, features and FLOPs of a measured case (false when the case is not one
// the rate model covers).
struct CaseFitPoint {
    std::string key;
    std::vector<double> coords, features;
    double flops = 0;
    std::string dtype;
    GemmTiling tiling;  // GEMM: the kernel tiling its padded_flops feature used
};
bool case_fit_point(const CaseResult& r, CaseFitPoint& out);

// Per measurement of `p` (same order): the leave-one-out relative error of a fitted point
// against the profile's rate model (OpRateModel::leave_one_out_error); 0 for held-out points
// and cases no model covers. Call after fit_profile.
std::vector<double> fit_point_errors(const DeviceProfile& p);

}  // namespace flopmeter
