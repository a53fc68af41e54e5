// Stalled threads in multi-threaded samples. On a shared VM the host can take one vCPU for a
// while: a 2-thread kernel then runs at half speed while the clock probe (which may run on the
// other core) reads normal clocks and /proc/stat shows nothing. What does show is the split of
// the work: with a static partition every member's share takes about as long, and a stalled
// member's share takes longer. Per sample, the imbalance is the longest member's busy time over
// the median of the other members'; a sample whose imbalance exceeds the case's typical one by
// the threshold factor is flagged (left out by `check`, like samples the clock probe flagged).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/thread_pool.hpp"

namespace flopmeter {

// Longest member's busy time over the median of the others' (1 = balanced; 0 members: 1).
double member_imbalance(const std::vector<double>& busy);

struct StallReport {
    std::vector<std::int64_t> flagged;  // sample indices
    double typical_imbalance = 1;       // median over the samples
    double worst_imbalance = 1;
    int members = 0;
    bool available = false;  // per-member times were recorded for every sample
};

// busy[s][j]: seconds member j spent in jobs during sample s (empty rows: no pool seen).
// Flags sample s when imbalance_s > threshold x the typical imbalance (and > threshold).
StallReport detect_stalled_threads(const std::vector<std::vector<double>>& busy,
                                   double threshold = 1.25);

// Records, around each timed call, how long each member of the pool the kernel used spent in
// jobs (the shared pool whose members gained the most busy time during that call).
class StallTracker {
  public:
    void before();
    void after();
    // The rows of the last `n` calls (the sampling phase follows the warm-up calls).
    std::vector<std::vector<double>> last(std::size_t n) const;

  private:
    std::vector<PoolBusy> snap_;
    std::vector<std::vector<double>> rows_;
};

// "STALLED THREAD: ..." for a result's warnings; "" when nothing was flagged.
std::string stall_warning(const StallReport& r, std::size_t samples);

}  // namespace flopmeter
