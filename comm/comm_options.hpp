// Options of `flopmeter calibrate --comm`, and the message sizes they describe. Checked on
// every rank before anything is measured, so bad input ends the job with exit 2 everywhere.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "calibrate/predictor.hpp"

namespace flopmeter::comm {

struct CommOptions {
    std::string out;   // cluster profile (required)
    std::string name;  // profile name (default cluster-<nodes>x<ranks>-<fingerprint>)
    std::string kernel_mode = "quick";  // kernel calibration on each node: smoke | quick | full
    std::string base;                   // use this profile's kernel figures instead of calibrating
    std::string device = "cpu";         // cpu: MPI on host buffers; cuda: NCCL on device buffers
    std::vector<std::string> backends;  // GEMM backends of the kernel calibration
    int threads = 0;                    // kernel calibration threads (0: one per core)
    double price_per_hour = 0, tdp_watts = 0;

    std::vector<std::string> collectives;  // empty: all six
    std::string min_bytes = "8", max_bytes = "64M";
    double step_factor = 2;
    int iters = 50;  // timed iterations per size, at most (fewer for large sizes)
    int warmup = 2;
    bool only_in_place = false, only_out_of_place = false;
    std::vector<int> group_sizes;  // empty: powers of two up to the world size, and the world size
    double timeout_s = 60;         // longest a rank may be waited for at any step
    // The caller's SIGINT/SIGTERM flag (cli/interrupt_guard): the signal received, or 0. Polled
    // by the watchdog and between the node's kernel cases; empty: signals are not watched.
    std::function<int()> pending_signal;
};

// "8", "4K", "64M", "1G", "1GiB" (binary multiples); throws UsageError naming `what`.
std::int64_t parse_bytes(const std::string& s, const std::string& what);

// Geometric sizes from min to max (inclusive), each rounded to a multiple of 4 bytes.
std::vector<std::int64_t> message_sizes(std::int64_t min_bytes, std::int64_t max_bytes,
                                        double factor);

// Everything checked before MPI starts; throws UsageError.
struct ResolvedOptions {
    std::vector<Collective> collectives;
    std::vector<std::int64_t> sizes;
    bool in_place = true, out_of_place = true;
};
ResolvedOptions resolve_options(const CommOptions& o);

// Timed iterations for a message of `bytes` (nccl-tests' size): the maximum for small
// messages, fewer as messages grow (about 256 MiB moved per size), at least 5.
int iterations_for(std::int64_t bytes, int max_iters);

}  // namespace flopmeter::comm
