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
};
bool case_fit_point(const CaseResult& r, CaseFitPoint& out);

}  // namespace flopmeter
