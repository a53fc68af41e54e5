// The one rule that confirms a change, shared by `check` (track/compare.cpp) and `ab`
// (track/ab_analysis.cpp), so the two cannot drift apart.
//
// Given a ratio estimate candidate/baseline with its interval [lo, hi] and its q-value after
// Benjamini-Hochberg, a change is confirmed (SLOWER, or FASTER mirrored) when all of:
//  - q <= FDR;
//  - the estimate and the interval's far end reach the minimum effect m (ratio >= 1 + m,
//    hi >= 1 + m): when the medians and the Hodges-Lehmann shift disagree (bimodal samples),
//    the smaller reading wins;
//  - the interval clears half the minimum effect (lo >= 1 + m/2; with m = 0, lo > 1): a change
//    near the threshold whose interval reaches back to almost nothing is not confirmed. On the
//    2-core Intel VM an unaffected case of an `ab` comparison was once called FASTER at -3.1%
//    with the interval -5.6%..-1.0% (q 0.029); a 3% slowdown's intervals started at +2.6% or
//    more, so this costs the threshold cases nothing;
//  - the measurement resolves the minimum effect: the interval is no wider than +-m (half its
//    log width <= log(1 + m)), or it clears 1 + m outright. Without this a very noisy case
//    (CI +2..+26%) would be called SLOWER on the one chance in twenty that random samples look
//    different; with it, a noisy case that doubled is still SLOWER.
#pragma once

#include <cmath>

namespace flopmeter {

struct RatioEvidence {
    double ratio = 1;  // estimate of candidate / baseline
    double lo = 1;     // its interval
    double hi = 1;
    double q = 1;  // after Benjamini-Hochberg
};

// The interval is narrow enough to resolve a change of min_effect.
inline bool resolves_min_effect(const RatioEvidence& e, double min_effect) {
    return 0.5 * std::log(e.hi / e.lo) <= std::log1p(min_effect);
}

inline bool confirmed_slower(const RatioEvidence& e, double min_effect, double fdr) {
    const double up = 1.0 + min_effect, margin = 1.0 + 0.5 * min_effect;
    return e.q <= fdr && e.ratio >= up && e.hi >= up && e.lo > 1.0 && e.lo >= margin &&
           (resolves_min_effect(e, min_effect) || e.lo >= up);
}

// Mirrored: the same rule with the interval below 1.
inline bool confirmed_faster(const RatioEvidence& e, double min_effect, double fdr) {
    const double down = 1.0 / (1.0 + min_effect), margin = 1.0 / (1.0 + 0.5 * min_effect);
    return e.q <= fdr && e.ratio <= down && e.lo <= down && e.hi < 1.0 && e.hi <= margin &&
           (resolves_min_effect(e, min_effect) || e.hi <= down);
}

// The interval lies within +-min_effect.
inline bool within_min_effect(const RatioEvidence& e, double min_effect) {
    return e.lo >= 1.0 / (1.0 + min_effect) && e.hi <= 1.0 + min_effect;
}

}  // namespace flopmeter
