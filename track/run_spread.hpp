// Run-to-run spread learned from the store's history. Two separately recorded runs of the same
// build on a shared VM can differ by far more than their samples' confidence intervals say
// (a vCPU taken by the host for a whole run halves a 2-thread kernel), so a change between two
// runs is only believed when it exceeds what this case has done between consecutive runs on
// the same hardware before.
//
// Per case c and pair j of consecutive runs (same hardware fingerprint, oldest first): the
// change r_jc = |ln(m_{j+1,c} / m_{j,c})| of the case's median. Each case's typical change s_c is
// the median of its r_jc; each pair's worst standardized change is T_j = max_c r_jc / s_c; and a
// case's spread is s_c x max_j T_j. Why the maximum over the suite: a suite of C cases is C
// chances of a large change, and the host's effects hit the cases of a run together; a new pair
// of runs exchangeable with the n earlier pairs exceeds their largest T with probability
// 1/(n+1), for the whole suite at once and whatever the distribution (a host that halves a
// 2-thread kernel in some runs makes it bimodal, so a normal model or a per-case percentile
// would understate it) (the max-T idea of Westfall and Young, "Resampling-Based Multiple
// Testing", Wiley 1993).
// A SLOWER or FASTER whose |ln ratio| does not exceed its case's spread becomes NOISY; with fewer
// than min_runs runs of history the verdict stands and the reason says the spread is unknown.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "track/compare.hpp"
#include "track/store.hpp"

namespace flopmeter {

struct CaseSpread {
    std::int64_t runs = 0;  // runs of history with this case
    double spread = 0;      // s_c x max_j T_j (see above); 0 with fewer than 2 runs
};

struct RunSpreadTable {
    int min_runs = 5;
    std::int64_t runs = 0;        // runs of history on this hardware
    double max_standardized = 0;  // max_j T_j
    std::map<std::string, CaseSpread> cases;
};

// Rows from Store::case_rows() (oldest first); only runs with `fingerprint`, not in `exclude`,
// and not recorded by `flopmeter ab` (tags "...:baseline"/"...:candidate": pooled rounds, not
// separate runs) count.
RunSpreadTable learn_run_spread(const std::vector<CaseRow>& rows, const std::string& fingerprint,
                                const std::set<std::int64_t>& exclude, int min_runs = 5);

// Demotes confirmed changes within the spread to NOISY and says why; notes missing history.
// Returns a one-line summary ("run-to-run spread from 12 runs ..." or "too little history ...").
std::string apply_run_spread(Comparison& c, const RunSpreadTable& t);

}  // namespace flopmeter
