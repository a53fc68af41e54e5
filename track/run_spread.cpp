#include "track/run_spread.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace flopmeter {

double quantile_of(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const double pos = q * double(v.size() - 1);
    const std::size_t lo = std::size_t(std::floor(pos));
    const std::size_t hi = std::min(v.size() - 1, lo + 1);
    return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
}

namespace {
bool ab_tag(const std::string& tag) {
    auto ends = [&](const std::string& s) {
        return tag.size() >= s.size() && tag.compare(tag.size() - s.size(), s.size(), s) == 0;
    };
    return ends(":baseline") || ends(":candidate");
}

std::string pct(double x) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f%%", 100.0 * x);
    return b;
}
}  // namespace

RunSpreadTable learn_run_spread(const std::vector<CaseRow>& rows, const std::string& fingerprint,
                                const std::set<std::int64_t>& exclude, int min_runs) {
    RunSpreadTable t;
    t.min_runs = min_runs;
    std::map<std::string, std::vector<double>> series;
    std::set<std::int64_t> runs;
    for (const auto& r : rows) {
        if (r.run.fingerprint != fingerprint || exclude.count(r.run.id) || ab_tag(r.run.tag) ||
            !(r.median > 0))
            continue;
        series[r.name].push_back(r.median);
        runs.insert(r.run.id);
    }
    t.runs = std::int64_t(runs.size());
    for (const auto& [name, m] : series) {
        CaseSpread s;
        s.runs = std::int64_t(m.size());
        std::vector<double> d;
        for (std::size_t i = 1; i < m.size(); ++i)
            d.push_back(std::fabs(std::log(m[i] / m[i - 1])));
        if (!d.empty()) s.spread = quantile_of(d, 0.9);
        t.cases[name] = s;
    }
    return t;
}

std::string apply_run_spread(Comparison& c, const RunSpreadTable& t) {
    int demoted = 0, unknown = 0;
    for (auto& x : c.cases) {
        const auto it = t.cases.find(x.name);
        const CaseSpread s = it == t.cases.end() ? CaseSpread{} : it->second;
        if (x.verdict != Verdict::slower && x.verdict != Verdict::faster) continue;
        if (s.runs < t.min_runs) {
            ++unknown;
            x.reason += "; run-to-run spread unknown (" + std::to_string(s.runs) +
                        " earlier run(s) of this case on this "
                        "hardware, need " +
                        std::to_string(t.min_runs) + ")";
            continue;
        }
        const double change = std::fabs(std::log(x.wall.ratio));
        const std::string band = "+-" + pct(std::exp(s.spread) - 1);
        if (change <= s.spread) {
            ++demoted;
            x.reason = std::string(x.verdict == Verdict::slower ? "slower" : "faster") + " by " +
                       pct(std::exp(change) - 1) + ", within this case's run-to-run spread " +
                       band + " (90th percentile of consecutive changes over " +
                       std::to_string(s.runs) + " runs on this hardware): " + x.reason;
            x.verdict = Verdict::noisy;
        } else {
            x.reason += "; beyond the run-to-run spread " + band + " of " + std::to_string(s.runs) +
                        " runs";
        }
    }
    if (t.runs < t.min_runs)
        return "too little history to learn the run-to-run spread: " + std::to_string(t.runs) +
               " earlier run(s) on this hardware (need " + std::to_string(t.min_runs) +
               "); verdicts rest on the samples alone" +
               (unknown ? " (" + std::to_string(unknown) + " change(s) unchecked)" : "");
    return "run-to-run spread learned from " + std::to_string(t.runs) +
           " earlier runs on this hardware; " + std::to_string(demoted) +
           " change(s) within it called NOISY" +
           (unknown ? ", " + std::to_string(unknown) + " case(s) with too little history" : "");
}

}  // namespace flopmeter
