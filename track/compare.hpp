// Comparing a candidate run with a baseline, case by case, in a way that does not cry wolf on
// a noisy shared machine. Per case: a two-sided Mann-Whitney U test on the raw samples and a
// Hodges-Lehmann interval for the time ratio; Benjamini-Hochberg across the suite; a minimum
// effect on the ratio of medians; and, where both runs recorded the clock, the same test on
// clock-normalised times (cycles), which must agree before a change is confirmed.
//
// Verdicts: SLOWER / FASTER (confirmed by the rule shared with `ab`, track/verdict_rule.hpp:
// significant after BH, the ratio of medians beyond the minimum effect, an interval for the
// ratio that clears half the minimum effect and is either narrower than +-minimum effect or
// clears it outright; and the clock-normalised test agreeing), SAME (the interval lies within the
// minimum effect), NOISY (not enough evidence either way). A case the baseline timed and the
// candidate failed or lacks fails the check as a confirmed slowdown does (exit 1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "measure/result_json.hpp"

namespace flopmeter {

enum class Verdict { slower, faster, noisy, same };
std::string verdict_name(Verdict v);  // "SLOWER", "FASTER", "NOISY", "SAME"

struct CompareOptions {
    double min_effect = 0.03;      // relative change of the median time that matters
    double fdr = 0.05;             // Benjamini-Hochberg false discovery rate across the suite
    double ci_level = 0.95;        // of the interval for the time ratio
    std::int64_t min_samples = 6;  // per side, after dropping flagged samples
    bool drop_flagged = true;      // leave out samples taken while the clock probe read slowed
};

// One test on one pair of sample sets.
struct RatioTest {
    bool available = false;
    double ratio = 1;                   // median(candidate) / median(baseline): > 1 is slower
    double ratio_lo = 1, ratio_hi = 1;  // interval for the ratio (Hodges-Lehmann on log times)
    double p = 1, q = 1;                // Mann-Whitney two-sided p; BH-adjusted across the suite
    bool exact = false;                 // exact Mann-Whitney distribution used
};

struct CaseComparison {
    std::string name;
    std::int64_t n_base = 0, n_cand = 0;              // samples used
    std::int64_t dropped_base = 0, dropped_cand = 0;  // flagged samples left out
    double base_median = 0, cand_median = 0;          // seconds
    double base_ghz = 0, cand_ghz = 0;                // 0 when no clock was recorded
    double model_flops = 0, bytes = 0;                // of one call, for rates and the roofline
    RatioTest wall, clock;  // wall-clock times; clock-normalised times where both have clocks
    Verdict verdict = Verdict::noisy;
    std::string reason;
};

struct Comparison {
    CompareOptions options;
    std::vector<CaseComparison> cases;  // baseline order
    std::vector<std::string> only_baseline, only_candidate;
    std::vector<std::string> not_timed;  // "name: why" for cases failed or unavailable on a side
    // Cases the baseline timed that the candidate did not: failed validation, errored or was
    // unavailable ("name: why"), or left out altogether (names). Either fails the check.
    std::vector<std::string> candidate_failed, candidate_missing;
    double compute_s = 0;  // time the statistics took

    int count(Verdict v) const;
    bool any_slower() const { return count(Verdict::slower) > 0; }
    bool candidate_incomplete() const {
        return !candidate_failed.empty() || !candidate_missing.empty();
    }
    int exit_code() const { return any_slower() || candidate_incomplete() ? 1 : 0; }
};

// Throws UsageError when the runs have no timed case in common.
Comparison compare_results(const ResultsDocument& baseline, const ResultsDocument& candidate,
                           const CompareOptions& o = {});

// Which fingerprint fields differ between two runs' hardware ("cpu_model", ...).
struct FieldDiff {
    std::string field, baseline, candidate;
};
std::vector<FieldDiff> hardware_differences(const Provenance& baseline,
                                            const Provenance& candidate);

}  // namespace flopmeter
