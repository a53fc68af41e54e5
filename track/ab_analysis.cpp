#include "track/ab_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/error.hpp"
#include "measure/stats.hpp"
#include "track/fdr.hpp"
#include "track/verdict_rule.hpp"
#include "track/wilcoxon.hpp"

namespace flopmeter {

int AbAnalysis::count(Verdict v) const {
    return int(
        std::count_if(cases.begin(), cases.end(), [v](const AbCase& c) { return c.verdict == v; }));
}

int AbAnalysis::exit_code() const {
    return count(Verdict::slower) > 0 || !missing.empty() || !failed.empty() ? 1 : 0;
}

namespace {

std::string pct(double ratio) {
    char b[32];
    std::snprintf(b, sizeof b, "%+.1f%%", 100.0 * (ratio - 1.0));
    return b;
}

std::string num(const char* f, double x) {
    char b[48];
    std::snprintf(b, sizeof b, f, x);
    return b;
}

void decide(AbCase& c, const AbOptions& o, bool epochs) {
    const std::string band = "+-" + num("%.3g", 100.0 * o.min_effect) + "%";
    const std::string ci = pct(c.ratio_lo) + ".." + pct(c.ratio_hi);
    // With epochs the test's unit is an epoch; say how many rounds they hold.
    const std::string units =
        epochs ? std::to_string(c.rounds) + " rounds in " + std::to_string(c.units) + " epochs"
               : std::to_string(c.rounds) + " rounds";
    if (c.units < o.min_rounds) {
        c.verdict = Verdict::noisy;
        c.reason = std::string("too few paired ") + (epochs ? "epochs (" : "rounds (") +
                   std::to_string(c.units) + "; need " + std::to_string(o.min_rounds) + ")";
        return;
    }
    const RatioEvidence e{c.ratio, c.ratio_lo, c.ratio_hi, c.q};
    const bool precise = resolves_min_effect(e, o.min_effect);
    const std::string what =
        pct(c.ratio) + " (CI " + ci + ", q=" + num("%.2g", c.q) + ", " + units + ")";
    if (confirmed_slower(e, o.min_effect, o.fdr)) {
        c.verdict = Verdict::slower;
        c.reason = what;
    } else if (confirmed_faster(e, o.min_effect, o.fdr)) {
        c.verdict = Verdict::faster;
        c.reason = what;
    } else if (within_min_effect(e, o.min_effect)) {
        c.verdict = Verdict::same;
        c.reason = "within " + band + ": " + what;
    } else {
        c.verdict = Verdict::noisy;
        c.reason = "CI " + ci + " reaches past " + band + " (" + units + ")" +
                   (precise ? ": not enough evidence either way"
                            : ": too noisy to resolve a change of that size");
    }
}

}  // namespace

AbAnalysis analyse_ab(const std::vector<AbCaseInput>& cases, const AbOptions& o) {
    if (!(o.min_effect >= 0)) throw UsageError("--min-effect must be >= 0");
    if (!(o.fdr > 0 && o.fdr < 1)) throw UsageError("--fdr must be between 0 and 1");
    AbAnalysis a;
    a.options = o;
    for (const auto& in : cases) {
        if (in.base.size() != in.cand.size())
            throw UsageError("A/B case '" + in.name + "': unpaired rounds");
        AbCase c;
        c.name = in.name;
        if (!in.epoch.empty() && in.epoch.size() != in.base.size())
            throw UsageError("A/B case '" + in.name + "': an epoch for every round needed");
        std::vector<double> b, k, d;
        std::vector<int> ep;  // the epoch of each kept round
        for (std::size_t r = 0; r < in.base.size(); ++r) {
            if (!(in.base[r] > 0) || !(in.cand[r] > 0)) continue;  // NaN or missing on a side
            b.push_back(in.base[r]);
            k.push_back(in.cand[r]);
            c.ratios.push_back(in.cand[r] / in.base[r]);
            d.push_back(std::log(in.cand[r] / in.base[r]));
            if (!in.epoch.empty()) ep.push_back(in.epoch[r]);
        }
        c.rounds = std::int64_t(d.size());
        c.base_median = median(b);
        c.cand_median = median(k);
        if (!in.epoch.empty()) {
            // Per epoch the median of its rounds' log ratios: the test's unit.
            std::map<int, std::vector<double>> per;
            for (std::size_t r = 0; r < d.size(); ++r) per[ep[r]].push_back(d[r]);
            d.clear();
            for (auto& [e, v] : per) d.push_back(median(v));
        }
        c.units = std::int64_t(d.size());
        if (!d.empty()) {
            const SignedRank t = wilcoxon_signed_rank(d);
            const PairedShift hl = hodges_lehmann_paired(d, o.ci_level);
            c.w_plus = t.w_plus;
            c.p = t.p_two_sided;
            c.exact = t.exact;
            c.ratio = std::exp(hl.estimate);
            c.ratio_lo = std::exp(hl.lo);
            c.ratio_hi = std::exp(hl.hi);
        }
        a.cases.push_back(std::move(c));
    }
    std::vector<double> p;
    for (const auto& c : a.cases) p.push_back(c.p);
    const auto q = benjamini_hochberg(p);
    for (std::size_t i = 0; i < a.cases.size(); ++i) {
        a.cases[i].q = q[i];
        decide(a.cases[i], o, !cases[i].epoch.empty());
    }
    return a;
}

}  // namespace flopmeter
