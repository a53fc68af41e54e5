// Effective clock of each core, from a chain of dependent integer adds (one cycle each on
// every x86 core of the last decade): adds / seconds = cycles per second the thread really got.
// On a shared or virtualised machine a lower reading means the core was busy with someone
// else, throttled, or descheduled; flopmeter uses it to flag contended samples.
#pragma once

#include <cstdint>
#include <vector>

namespace flopmeter {

// GHz seen by the calling thread over `adds` dependent additions (~0.3 ms by default).
double probe_ghz_this_thread(std::int64_t adds = 1 << 20);

// The probe on each of `threads` cores at once (pinned pool); the lowest reading is the one
// that bounds a multithreaded kernel.
struct ClockReading {
    double min_ghz = 0, max_ghz = 0;
    std::vector<double> per_core;
};
ClockReading probe_clock(int threads);

// Running reference: the highest reading seen so far (the unloaded clock), and whether a
// reading is slowed beyond `tolerance` (default: 10% below the reference).
class ClockMonitor {
public:
    explicit ClockMonitor(int threads, double tolerance = 0.10) : threads_(threads), tol_(tolerance) {}
    ClockReading probe();           // takes a reading and updates the reference
    bool slowed(const ClockReading& r) const { return r.min_ghz < (1.0 - tol_) * reference_; }
    double reference_ghz() const { return reference_; }
    int threads() const { return threads_; }

private:
    int threads_;
    double tol_;
    double reference_ = 0;
};

}  // namespace flopmeter
