// Hodges-Lehmann estimate of the shift between two samples (median of all pairwise
// differences x_i - y_j) with its distribution-free confidence interval, the interval that
// inverts the Mann-Whitney test. Applied to log times, the shift is the log of the time
// ratio, so the interval is one for the ratio candidate/baseline.
#pragma once

#include <vector>

namespace flopmeter {

struct ShiftInterval {
    double estimate = 0, lo = 0, hi = 0;
    bool valid = false;  // false when a sample is empty
};

// Never forms the n1*n2 differences: the k-th smallest is found by bisection on its value,
// counting differences below a value in one merge-like pass over the sorted samples.
ShiftInterval hodges_lehmann_interval(std::vector<double> x, std::vector<double> y,
                                      double level = 0.95);

// The k-th smallest (1-based) of the differences x_i - y_j; x and y sorted ascending.
double kth_pairwise_difference(const std::vector<double>& x, const std::vector<double>& y,
                               double k);

}  // namespace flopmeter
