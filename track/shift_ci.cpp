#include "track/shift_ci.hpp"

#include <algorithm>
#include <cmath>

#include "track/mann_whitney.hpp"

namespace flopmeter {

namespace {
// Number of pairs with x_i - y_j <= d; x, y sorted ascending.
double count_at_most(const std::vector<double>& x, const std::vector<double>& y, double d) {
    double count = 0;
    // x_i - y_j <= d  <=>  y_j >= x_i - d. j is the first index with y_j >= x_i - d; as x_i
    // grows the threshold grows, so j only moves right: one pass over both samples.
    std::size_t j = 0;
    for (double xi : x) {
        while (j < y.size() && y[j] < xi - d) ++j;
        count += double(y.size() - j);
    }
    return count;
}
}  // namespace

double kth_pairwise_difference(const std::vector<double>& x, const std::vector<double>& y,
                               double k) {
    double lo = x.front() - y.back(), hi = x.back() - y.front();  // count(lo) >= 1, count(hi) = all
    if (count_at_most(x, y, lo) >= k) return lo;
    // Invariant: count(lo) < k <= count(hi). 100 halvings take the bracket far below any
    // timing resolution; stop earlier when it cannot shrink further.
    for (int it = 0; it < 100; ++it) {
        const double mid = lo + 0.5 * (hi - lo);
        if (mid <= lo || mid >= hi) break;
        if (count_at_most(x, y, mid) >= k)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

ShiftInterval hodges_lehmann_interval(std::vector<double> x, std::vector<double> y, double level) {
    ShiftInterval r;
    if (x.empty() || y.empty()) return r;
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    const double n1 = double(x.size()), n2 = double(y.size()), N = n1 * n2;
    // Point estimate: the median of the N differences (mean of the two middle ones when N is even).
    const double m_lo = std::floor((N + 1) / 2), m_hi = std::ceil((N + 1) / 2);
    r.estimate = 0.5 * (kth_pairwise_difference(x, y, m_lo) + kth_pairwise_difference(x, y, m_hi));
    // CI: [D_(C), D_(N+1-C)] with C = N/2 - z_{a/2} sqrt(n1 n2 (n1 + n2 + 1) / 12), the normal
    // approximation of the Mann-Whitney critical value (Hollander & Wolfe, 2nd ed., sec. 4.3).
    const double z = normal_quantile(1.0 - (1.0 - level) / 2);
    double c = std::floor(N / 2 - z * std::sqrt(n1 * n2 * (n1 + n2 + 1) / 12.0));
    c = std::max(1.0, c);
    r.lo = kth_pairwise_difference(x, y, c);
    r.hi = kth_pairwise_difference(x, y, N + 1 - c);
    r.valid = true;
    return r;
}

}  // namespace flopmeter
