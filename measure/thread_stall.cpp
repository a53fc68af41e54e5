#include "measure/thread_stall.hpp"
#include "measure/stats.hpp"

#include <algorithm>
#include <cstdio>

namespace flopmeter {

double member_imbalance(const std::vector<double>& busy) {
    if (busy.size() < 2) return 1;
    std::vector<double> v = busy;
    const auto top = std::max_element(v.begin(), v.end());
    const double longest = *top;
    v.erase(top);
    const double rest = median(v);
    return rest > 0 ? longest / rest : 1;
}

StallReport detect_stalled_threads(const std::vector<std::vector<double>>& busy, double threshold) {
    StallReport r;
    if (busy.empty()) return r;
    std::vector<double> x;
    for (const auto& row : busy) {
        if (row.size() < 2) return r;  // a sample without per-member times: nothing to say
        r.members = std::max(r.members, int(row.size()));
        x.push_back(member_imbalance(row));
    }
    r.available = true;
    r.typical_imbalance = median(x);
    r.worst_imbalance = *std::max_element(x.begin(), x.end());
    const double limit = std::max(threshold, threshold * r.typical_imbalance);
    for (std::size_t s = 0; s < x.size(); ++s)
        if (x[s] > limit) r.flagged.push_back(std::int64_t(s));
    return r;
}

void StallTracker::before() {
    snap_ = shared_pools_busy();
}

void StallTracker::after() {
    const auto now = shared_pools_busy();
    std::vector<double> best;
    double best_total = 0;
    for (const auto& p : now) {
        const auto it = std::find_if(snap_.begin(), snap_.end(),
                                     [&](const PoolBusy& q) { return q.size == p.size; });
        std::vector<double> d = p.busy;
        if (it != snap_.end())
            for (std::size_t j = 0; j < d.size() && j < it->busy.size(); ++j) d[j] -= it->busy[j];
        double total = 0;
        for (double v : d) total += v;
        if (total > best_total) {
            best_total = total;
            best = std::move(d);
        }
    }
    rows_.push_back(std::move(best));
}

std::vector<std::vector<double>> StallTracker::last(std::size_t n) const {
    n = std::min(n, rows_.size());
    return {rows_.end() - std::ptrdiff_t(n), rows_.end()};
}

std::string stall_warning(const StallReport& r, std::size_t samples) {
    if (r.flagged.empty()) return "";
    char b[320];
    std::snprintf(b, sizeof b,
                  "STALLED THREAD: in %zu of %zu samples one of %d threads ran its share up to "
                  "%.2fx as long as the "
                  "others (typically %.2fx): a vCPU taken by the host or another process; those "
                  "samples are flagged",
                  r.flagged.size(), samples, r.members, r.worst_imbalance, r.typical_imbalance);
    return b;
}

}  // namespace flopmeter
