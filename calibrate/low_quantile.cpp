#include "calibrate/low_quantile.hpp"

#include <algorithm>
#include <set>

#include "measure/stats.hpp"

namespace flopmeter {

double low_quantile(const std::vector<double>& samples, const std::vector<std::int64_t>& flagged,
                    double q, std::size_t min_kept) {
    const std::set<std::int64_t> skip(flagged.begin(), flagged.end());
    std::vector<double> kept;
    for (std::size_t i = 0; i < samples.size(); ++i)
        if (!skip.count(std::int64_t(i))) kept.push_back(samples[i]);
    if (kept.size() < min_kept) kept = samples;
    std::sort(kept.begin(), kept.end());
    return quantile_sorted(kept, q);
}

double fit_seconds(const CaseResult& r) {
    const auto& m = r.measurement;
    if (m.samples.empty()) return r.seconds();
    return low_quantile(m.samples, m.flagged, kFitQuantile);
}

}  // namespace flopmeter
