// The statistics of an A/B comparison run in one session (flopmeter ab): per case, one pair of
// times per round (the baseline's and the candidate's, taken back to back or at once), so the
// test is on the per-round ratio candidate/baseline, which cancels what the host did to both
// sides in that round (Bulej et al., "Duet Benchmarking: Improving Measurement Accuracy in the
// Cloud", ICPE 2020).
//
// Per case: Wilcoxon signed-rank test on the log ratios (track/wilcoxon.hpp), the Hodges-Lehmann
// estimate of the typical ratio with its interval, Benjamini-Hochberg across the suite, and the
// verdict rule of `check` (track/verdict_rule.hpp): SLOWER/FASTER need q <= FDR, an estimate
// beyond the minimum effect, an interval that clears half the minimum effect and either
// resolves the minimum effect (no wider than +-min effect) or clears it outright; SAME when the
// interval lies within +-min effect; NOISY otherwise (or with fewer than min_rounds paired rounds).
//
// Epochs: a side kept running (`ab`'s served mode) carries state that lasts as long as its
// process (where its buffers and its library's worker threads landed), and on a 2-core Intel
// VM two processes of the same binary differed by up to 19% in one small OpenBLAS case for a
// whole 150 s session. Rounds within one process pair then share that offset, and a test on
// rounds takes it for an effect. So the servers are restarted every few rounds, each pair of
// processes is one epoch, and the test runs on the epochs: per epoch the median of its
// rounds' log ratios, then Wilcoxon and Hodges-Lehmann over those (the level that carries the
// random effect is the one replicated: Kalibera and Jones, "Rigorous Benchmarking in
// Reasonable Time", ISMM 2013, sec. 3; Abedi and Brecht, ICPE 2017, repeat whole trials for
// the same reason).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "track/compare.hpp"  // Verdict

namespace flopmeter {

struct AbOptions {
    double min_effect = 0.03;
    double fdr = 0.05;
    double ci_level = 0.95;
    int min_rounds =
        6;  // paired rounds (epochs, where given) needed for a verdict other than NOISY
};

// One case's measurements: per round the side's time (seconds per call); NaN where that side
// produced no time in that round (the case failed or was missing then).
struct AbCaseInput {
    std::string name;
    std::vector<double> base, cand;
    // Per round, the epoch (the pair of processes) it ran in; empty: every round its own.
    std::vector<int> epoch;
};

struct AbCase {
    std::string name;
    std::int64_t rounds = 0;  // paired rounds used
    std::int64_t units = 0;   // what the test ran on: epochs with a paired round, else rounds
    double base_median = 0, cand_median = 0;       // medians of the per-round times, seconds
    std::vector<double> ratios;                    // per paired round, candidate / baseline
    double ratio = 1, ratio_lo = 1, ratio_hi = 1;  // Hodges-Lehmann estimate and interval
    double w_plus = 0, p = 1, q = 1;
    bool exact = false;
    Verdict verdict = Verdict::noisy;
    std::string reason;
};

struct AbAnalysis {
    AbOptions options;
    std::vector<AbCase> cases;
    std::vector<std::string> missing;         // in the baseline, never timed by the candidate
    std::vector<std::string> only_candidate;  // new cases: reported, not judged
    std::vector<std::string> failed;          // "name: side why" (validation failed, error, crash)

    int count(Verdict v) const;
    // 1 on a confirmed SLOWER, a failed case or a missing case; 0 otherwise.
    int exit_code() const;
};

AbAnalysis analyse_ab(const std::vector<AbCaseInput>& cases, const AbOptions& o = {});

}  // namespace flopmeter
