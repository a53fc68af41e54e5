// Run-to-run spread learned from the store's history. Two separately recorded runs of the same
// build on a shared VM can differ by far more than their samples' confidence intervals say
// (a vCPU taken by the host for a whole run halves a 2-thread kernel), so a change between two
// runs is only believed when it exceeds what this case has done between consecutive runs on
// the same hardware before.
//
// Per case: the consecutive runs' medians m_1..m_k (same hardware fingerprint, oldest first),
// their log ratios r_i = ln(m_{i+1} / m_i), and the spread = the 90th percentile of |r_i|.
// A SLOWER or FASTER whose |ln ratio| does not exceed the spread becomes NOISY; with fewer than
// min_runs runs of history the verdict stands and the reason says the spread is unknown.
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
    double spread = 0;      // 90th percentile of |ln(m_{i+1}/m_i)|; 0 with fewer than 2 runs
};

struct RunSpreadTable {
    int min_runs = 5;
    std::int64_t runs = 0;  // runs of history on this hardware
    std::map<std::string, CaseSpread> cases;
};

// Rows from Store::case_rows() (oldest first); only runs with `fingerprint`, not in `exclude`,
// and not recorded by `flopmeter ab` (tags "...:baseline"/"...:candidate": pooled rounds, not
// separate runs) count.
RunSpreadTable learn_run_spread(const std::vector<CaseRow>& rows, const std::string& fingerprint,
                                const std::set<std::int64_t>& exclude, int min_runs = 5);

// Quantile q of v by linear interpolation between order statistics (v non-empty).
double quantile_of(std::vector<double> v, double q);

// Demotes confirmed changes within the spread to NOISY and says why; notes missing history.
// Returns a one-line summary ("run-to-run spread from 12 runs ..." or "too little history ...").
std::string apply_run_spread(Comparison& c, const RunSpreadTable& t);

}  // namespace flopmeter
