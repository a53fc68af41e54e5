#include "track/run_spread.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/text_table.hpp"

namespace flopmeter {

namespace {
bool ab_tag(const std::string& tag) {
    auto ends = [&](const std::string& s) {
        return tag.size() >= s.size() && tag.compare(tag.size() - s.size(), s.size(), s) == 0;
    };
    return ends(":baseline") || ends(":candidate");
}

}  // namespace

RunSpreadTable learn_run_spread(const std::vector<CaseRow>& rows, const std::string& fingerprint,
                                const std::set<std::int64_t>& exclude, int min_runs) {
    RunSpreadTable t;
    t.min_runs = min_runs;
    std::vector<std::int64_t> order;                               // runs, oldest first
    std::map<std::string, std::map<std::int64_t, double>> median;  // case -> run -> median
    for (const auto& r : rows) {
        if (r.run.fingerprint != fingerprint || exclude.count(r.run.id) || ab_tag(r.run.tag) ||
            !(r.median > 0))
            continue;
        if (order.empty() || order.back() != r.run.id) order.push_back(r.run.id);
        median[r.name][r.run.id] = r.median;
    }
    t.runs = std::int64_t(order.size());
    // Per pair of consecutive runs j, per case: |ln change|; per case its typical size s_c
    // (median over pairs); per pair the largest standardized change T_j = max_c |r_jc| / s_c.
    std::map<std::string, std::vector<double>> changes;
    std::vector<std::map<std::string, double>> pairs;
    for (std::size_t j = 1; j < order.size(); ++j) {
        std::map<std::string, double> p;
        for (const auto& [name, m] : median) {
            const auto a = m.find(order[j - 1]), b = m.find(order[j]);
            if (a == m.end() || b == m.end()) continue;
            p[name] = std::fabs(std::log(b->second / a->second));
            changes[name].push_back(p[name]);
        }
        pairs.push_back(std::move(p));
    }
    std::map<std::string, double> scale;
    for (auto& [name, d] : changes) {
        std::sort(d.begin(), d.end());
        const std::size_t k = d.size() / 2;
        scale[name] = std::max(1e-3, d.size() % 2 ? d[k] : 0.5 * (d[k - 1] + d[k]));
    }
    double t_max = 0;
    for (const auto& p : pairs)
        for (const auto& [name, r] : p) t_max = std::max(t_max, r / scale[name]);
    t.max_standardized = t_max;
    for (const auto& [name, m] : median) {
        CaseSpread cs;
        cs.runs = std::int64_t(m.size());
        if (scale.count(name)) cs.spread = scale[name] * t_max;
        t.cases[name] = cs;
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
        const std::string band = "+-" + fmt_pct(std::exp(s.spread) - 1);
        if (change <= s.spread) {
            ++demoted;
            x.reason = std::string(x.verdict == Verdict::slower ? "slower" : "faster") + " by " +
                       fmt_pct(std::exp(change) - 1) + ", within this case's run-to-run spread " +
                       band +
                       " (its typical change between consecutive runs x the largest seen across "
                       "the suite, over " +
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
