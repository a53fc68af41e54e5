// Memory bandwidth per level of the hierarchy (L1, L2, L3, DRAM), with working sets sized from
// hwloc's cache sizes, for four kernels on doubles: read (sum), write (fill), copy (a = b) and
// triad (a = b + s*c). Bytes are counted as STREAM does (each array element read or written
// once: read 8, write 8, copy 16, triad 24 bytes per element) and also with write-allocate
// (a store first reads its line: write 16, copy 24, triad 32), as separate figures.
// Every thread works on its own arrays (first touched by that thread); the best of several
// trials is reported, as STREAM does.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace flopmeter {

enum class BwKernel { read, write, copy, triad };
std::string bw_kernel_name(BwKernel k);
int bw_arrays(BwKernel k);           // arrays the kernel touches
double bw_stream_bytes(BwKernel k);  // per element, STREAM counting
double bw_wa_bytes(BwKernel k);      // per element, with write-allocate

struct BandwidthResult {
    std::string level;             // "L1", "L2", "L3", "DRAM"
    std::int64_t working_set = 0;  // bytes per thread, all arrays
    BwKernel kernel = BwKernel::read;
    std::string isa;
    int threads = 1;
    double stream_bytes_per_s = 0, wa_bytes_per_s = 0;  // best trial
    double spread = 0;                                  // (best - worst) / best
};

struct BwLevel {
    std::string name;
    std::int64_t bytes_per_thread;
};
// Working sets: half of L1/L2 per core, half of this thread's share of L3, and 4x all LLC
// (at least 256 MiB in total) for DRAM. `quick` shrinks DRAM and the number of trials.
std::vector<BwLevel> bandwidth_levels(int threads);

BandwidthResult measure_bandwidth(const BwLevel& level, BwKernel k, int threads, int trials = 5,
                                  double trial_seconds = 0.02);

// The same measurement with its arrays allocated and first-touched once, so it can be repeated
// between the repetitions of another case (bench quant interleaves DRAM readings with its
// GEMV cases) without paying the allocation each time. Every measure() is a fresh reading:
// `trials` trials of about trial_seconds each, the best reported.
class BandwidthMeter {
  public:
    BandwidthMeter(const BwLevel& level, BwKernel k, int threads, double trial_seconds = 0.02);
    ~BandwidthMeter();
    BandwidthMeter(const BandwidthMeter&) = delete;
    BandwidthMeter& operator=(const BandwidthMeter&) = delete;
    BandwidthResult measure(int trials = 5);
    // Read kernel only: a short read timed like one call of a multi-threaded kernel, for a
    // like-for-like second figure beside measure(): `before` runs first (the caller's cache
    // scrub and pool wake-up), then the first `bytes` of all threads' arrays together (bytes /
    // threads each, capped at the array) are read in one pool call, timed from the caller's
    // side (fork/join included). Median over `calls`, in bytes/s.
    double measure_short_read(std::int64_t bytes, int calls, const std::function<void()>& before);

  private:
    struct State;
    std::unique_ptr<State> s_;
};

// --- kernels, one file per ISA ----------------------------------------------------------------
struct BwKernels {
    const char* isa;
    double (*read)(const double* a, std::int64_t n);
    void (*write)(double* a, std::int64_t n, double v);
    void (*copy)(double* a, const double* b, std::int64_t n);
    void (*triad)(double* a, const double* b, const double* c, double s, std::int64_t n);
};
const BwKernels& bw_kernels_avx512();
const BwKernels& bw_kernels_avx2();
const BwKernels& bw_kernels_generic();

}  // namespace flopmeter
