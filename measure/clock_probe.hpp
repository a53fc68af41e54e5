// Effective clock of each core, from a chain of dependent integer adds (one cycle each on
// every x86 core of the last decade): adds / seconds = cycles per second the thread really got.
// On a shared or virtualised machine a lower reading means the core was busy with someone
// else, throttled, or descheduled; flopmeter uses it to flag contended samples.
//
// Two ways a shared VM halves a multi-threaded kernel that a per-thread add chain cannot see:
//  - the host runs two vCPUs on one physical CPU in turns of a few milliseconds: each thread's
//    short probe runs at full speed inside its own turn. So the threads of a probe first meet
//    at a spin barrier, after which all start within a microsecond when their vCPUs run; a
//    start more than 0.25 ms after the first (a host time slice, not a blip of a few tens of
//    microseconds that a kernel does not feel) marks the reading slowed;
//  - the host places two vCPUs on the SMT siblings of one core: a latency-bound add chain runs
//    at full speed on both, but throughput-bound work (what a GEMM does) gets half of the
//    core's FMA pipes each. So each thread also times a block of independent FMAs (AVX2), at
//    the same moment as the others, and the lowest rate is compared with the highest seen.
#pragma once

#include <cstdint>
#include <vector>

namespace flopmeter {

// The probe on each of `threads` cores at once (pinned pool); the lowest reading is the one
// that bounds a multithreaded kernel.
struct ClockReading {
    double min_ghz = 0, max_ghz = 0;
    std::vector<double> per_core;
    // Independent FMAs per nanosecond of each thread, all at once (0: no AVX2/FMA on this CPU).
    double min_fma = 0, max_fma = 0;
    std::vector<double> fma_per_core;
    double start_skew_s = 0;  // last thread's start after the barrier minus the first's
};
ClockReading probe_clock(int threads);

// Running reference: the best reading of the slowest thread seen so far (the unloaded all-core
// clock, the unshared FMA rate), and whether a reading is slowed: the clock beyond `tolerance`
// (default: 10% below the reference), the threads' starts more than 0.25 ms apart, or the FMA rate
// beyond 25% (a short FMA block scatters by ~10% on a quiet core; sharing a core's pipes halves
// it).
class ClockMonitor {
  public:
    static constexpr double kFmaTolerance = 0.25;
    static constexpr double kMaxStartSkew = 0.25e-3;  // seconds
    explicit ClockMonitor(int threads, double tolerance = 0.10)
        : threads_(threads), tol_(tolerance) {}
    ClockReading probe();  // takes a reading and updates the reference
    bool slowed(const ClockReading& r) const {
        return r.min_ghz < (1.0 - tol_) * reference_ || r.start_skew_s > kMaxStartSkew ||
               (r.min_fma > 0 && r.min_fma < (1.0 - kFmaTolerance) * fma_reference_);
    }
    double reference_ghz() const { return reference_; }
    double reference_fma() const { return fma_reference_; }
    int threads() const { return threads_; }

  private:
    int threads_;
    double tol_;
    double reference_ = 0;
    double fma_reference_ = 0;
};

}  // namespace flopmeter
