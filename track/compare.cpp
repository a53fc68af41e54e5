#include "track/compare.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/text_table.hpp"
#include "measure/stats.hpp"
#include "track/fdr.hpp"
#include "track/mann_whitney.hpp"
#include "track/shift_ci.hpp"
#include "track/verdict_rule.hpp"

namespace flopmeter {

std::string verdict_name(Verdict v) {
    switch (v) {
        case Verdict::slower:
            return "SLOWER";
        case Verdict::faster:
            return "FASTER";
        case Verdict::noisy:
            return "NOISY";
        case Verdict::same:
            return "SAME";
    }
    return "?";
}

int Comparison::count(Verdict v) const {
    return int(std::count_if(cases.begin(), cases.end(),
                             [v](const CaseComparison& c) { return c.verdict == v; }));
}

std::vector<FieldDiff> hardware_differences(const Provenance& a, const Provenance& b) {
    std::vector<FieldDiff> d;
    const auto fa = a.fingerprint_fields(), fb = b.fingerprint_fields();
    for (std::size_t i = 0; i < fa.size() && i < fb.size(); ++i)
        if (fa[i].second != fb[i].second) d.push_back({fa[i].first, fa[i].second, fb[i].second});
    return d;
}

namespace {

struct Side {
    std::vector<double> samples;  // seconds per call, flagged ones removed when asked
    std::int64_t dropped = 0;
    double ghz = 0;
};

Side usable_samples(const CaseResult& c, const CompareOptions& o) {
    Side s;
    const auto& m = c.measurement;
    if (o.drop_flagged && !m.flagged.empty()) {
        std::set<std::int64_t> flagged(m.flagged.begin(), m.flagged.end());
        for (std::size_t i = 0; i < m.samples.size(); ++i)
            if (!flagged.count(std::int64_t(i))) s.samples.push_back(m.samples[i]);
        // Too few clean samples left: keep them all rather than test on almost nothing.
        if (std::int64_t(s.samples.size()) < o.min_samples) s.samples = m.samples;
        s.dropped = std::int64_t(m.samples.size() - s.samples.size());
    } else {
        s.samples = m.samples;
    }
    if (c.clock_ghz_before > 0 && c.clock_ghz_after > 0)
        s.ghz = 0.5 * (c.clock_ghz_before + c.clock_ghz_after);
    return s;
}

RatioTest ratio_test(const std::vector<double>& base, const std::vector<double>& cand,
                     double scale_base, double scale_cand, double level) {
    RatioTest t;
    std::vector<double> lb, lc;
    lb.reserve(base.size());
    lc.reserve(cand.size());
    // Logs turn the ratio into a shift; scaling (clock normalisation) is an added constant.
    for (double x : base) lb.push_back(std::log(x * scale_base));
    for (double x : cand) lc.push_back(std::log(x * scale_cand));
    const MannWhitney mw = mann_whitney_u(lc, lb);
    const ShiftInterval hl = hodges_lehmann_interval(lc, lb, level);
    t.available = true;
    t.p = mw.p_two_sided;
    t.exact = mw.exact;
    t.ratio = std::exp(median(lc) - median(lb));
    t.ratio_lo = std::exp(hl.lo);
    t.ratio_hi = std::exp(hl.hi);
    return t;
}

std::string interval(const RatioTest& t) {
    return fmt_change(t.ratio_lo) + ".." + fmt_change(t.ratio_hi);
}

std::string num(const char* f, double x) {
    char b[48];
    std::snprintf(b, sizeof b, f, x);
    return b;
}

// The verdict from the wall-clock test, with the clock-normalised one as a check.
void decide(CaseComparison& c, const CompareOptions& o) {
    const std::string band = "+-" + num("%.3g", 100.0 * o.min_effect) + "%";
    // The rule that confirms a change is shared with `ab` (track/verdict_rule.hpp); a test
    // without a result (no clock readings) confirms nothing.
    auto evidence = [](const RatioTest& t) {
        return RatioEvidence{t.ratio, t.ratio_lo, t.ratio_hi, t.q};
    };
    auto precise = [&](const RatioTest& t) {
        return resolves_min_effect(evidence(t), o.min_effect);
    };
    auto slower = [&](const RatioTest& t) {
        return t.available && confirmed_slower(evidence(t), o.min_effect, o.fdr);
    };
    auto faster = [&](const RatioTest& t) {
        return t.available && confirmed_faster(evidence(t), o.min_effect, o.fdr);
    };
    auto within = [&](const RatioTest& t) { return within_min_effect(evidence(t), o.min_effect); };
    const RatioTest& w = c.wall;
    const std::string what =
        fmt_change(w.ratio) + " (CI " + interval(w) + ", q=" + num("%.2g", w.q) + ")";

    if (c.n_base < o.min_samples || c.n_cand < o.min_samples) {
        c.verdict = Verdict::noisy;
        c.reason = "too few samples (" + std::to_string(c.n_base) + " vs " +
                   std::to_string(c.n_cand) + "; need " + std::to_string(o.min_samples) + " each)";
        return;
    }
    const bool clock = c.clock.available;
    const std::string clocks = clock ? " (clock " + num("%.2f", c.base_ghz) + " -> " +
                                           num("%.2f", c.cand_ghz) + " GHz; clock-normalised " +
                                           fmt_change(c.clock.ratio) + ")"
                                     : "";
    // The clock-normalised test can only take a verdict away: a wall-time change that vanishes
    // in cycles followed the clock (contention, throttling). The reverse is not used: the probe
    // is a short reading, and when wall time did not move, a differing reading is probe noise.
    for (const bool is_slower : {true, false}) {
        const bool wall_says = is_slower ? slower(w) : faster(w);
        const bool clock_says = clock && (is_slower ? slower(c.clock) : faster(c.clock));
        if (wall_says && (!clock || clock_says)) {
            c.verdict = is_slower ? Verdict::slower : Verdict::faster;
            c.reason = what + clocks;
            return;
        }
        if (wall_says) {
            c.verdict = Verdict::noisy;
            c.reason = std::string(is_slower ? "slower" : "faster") + " in wall time " + what +
                       " but not in clock-normalised time" + clocks +
                       ": contention or clock change, not the code";
            return;
        }
    }
    if (within(w)) {
        c.verdict = Verdict::same;
        c.reason = "within " + band + ": " + what + clocks;
    } else {
        c.verdict = Verdict::noisy;
        c.reason = "CI " + interval(w) + " reaches past " + band +
                   (precise(w) ? ": not enough evidence either way"
                               : ": too noisy to resolve a change of that size");
    }
}

}  // namespace

Comparison compare_results(const ResultsDocument& base, const ResultsDocument& cand,
                           const CompareOptions& o) {
    if (!(o.min_effect >= 0)) throw UsageError("--min-effect must be >= 0");
    if (!(o.fdr > 0 && o.fdr < 1)) throw UsageError("--fdr must be between 0 and 1");
    const auto t0 = std::chrono::steady_clock::now();
    Comparison r;
    r.options = o;
    std::map<std::string, const CaseResult*> by_name;
    for (const auto& c : cand.results) by_name[c.name] = &c;
    std::set<std::string> in_base;
    for (const auto& b : base.results) {
        in_base.insert(b.name);
        auto it = by_name.find(b.name);
        const bool base_timed = b.status == CaseStatus::ok && !b.measurement.samples.empty();
        if (it == by_name.end()) {
            r.only_baseline.push_back(b.name);
            if (base_timed) r.candidate_missing.push_back(b.name);
            continue;
        }
        const CaseResult& c = *it->second;
        if (b.status != CaseStatus::ok || c.status != CaseStatus::ok ||
            b.measurement.samples.empty() || c.measurement.samples.empty()) {
            const bool base_bad = b.status != CaseStatus::ok || b.measurement.samples.empty();
            const CaseResult& bad = base_bad ? b : c;
            const std::string why = bad.status != CaseStatus::ok
                                        ? case_status_name(bad.status) +
                                              (bad.error.empty() ? "" : " (" + bad.error + ")")
                                        : std::string("has no samples");
            r.not_timed.push_back(b.name + ": " + (base_bad ? "baseline " : "candidate ") + why);
            if (base_timed) r.candidate_failed.push_back(b.name + ": " + why);
            continue;
        }
        const Side sb = usable_samples(b, o), sc = usable_samples(c, o);
        CaseComparison cc;
        cc.name = b.name;
        cc.n_base = std::int64_t(sb.samples.size());
        cc.n_cand = std::int64_t(sc.samples.size());
        cc.dropped_base = sb.dropped;
        cc.dropped_cand = sc.dropped;
        cc.base_median = median(sb.samples);
        cc.cand_median = median(sc.samples);
        cc.base_ghz = sb.ghz;
        cc.cand_ghz = sc.ghz;
        cc.model_flops = c.model_flops;
        cc.bytes = c.bytes;
        cc.wall = ratio_test(sb.samples, sc.samples, 1.0, 1.0, o.ci_level);
        // Cycles per call = seconds x GHz the probe saw: a core that was slowed by contention or
        // throttling shows fewer GHz and proportionally more seconds.
        if (sb.ghz > 0 && sc.ghz > 0)
            cc.clock = ratio_test(sb.samples, sc.samples, sb.ghz, sc.ghz, o.ci_level);
        r.cases.push_back(std::move(cc));
    }
    for (const auto& c : cand.results)
        if (!in_base.count(c.name)) r.only_candidate.push_back(c.name);
    if (r.cases.empty() && !r.candidate_incomplete())
        throw UsageError("the baseline and the candidate have no timed case in common (" +
                         std::to_string(base.results.size()) + " vs " +
                         std::to_string(cand.results.size()) + " cases)");

    // BH across the suite, separately for the wall-clock and the clock-normalised family.
    std::vector<double> pw;
    for (const auto& c : r.cases) pw.push_back(c.wall.p);
    const auto qw = benjamini_hochberg(pw);
    std::vector<double> pc;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < r.cases.size(); ++i)
        if (r.cases[i].clock.available) {
            pc.push_back(r.cases[i].clock.p);
            idx.push_back(i);
        }
    const auto qc = benjamini_hochberg(pc);
    for (std::size_t i = 0; i < r.cases.size(); ++i) r.cases[i].wall.q = qw[i];
    for (std::size_t k = 0; k < idx.size(); ++k) r.cases[idx[k]].clock.q = qc[k];
    for (auto& c : r.cases) decide(c, o);
    r.compute_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace flopmeter
