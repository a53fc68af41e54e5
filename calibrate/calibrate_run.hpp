// `flopmeter calibrate`: runs a sweep through the one measurement path and writes a device
// profile atomically after every case, so an interrupted run keeps what it measured (marked
// incomplete) and `--resume` continues it.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "calibrate/profile.hpp"
#include "measure/provenance.hpp"

namespace flopmeter {

struct CalibrateOptions {
    std::string mode = "quick";  // quick | full | smoke
    std::string device = "cpu";  // cpu | cuda | all
    std::vector<std::string>
        backends;               // GEMM backends; default: own (quick), own,openblas,onednn (full)
    std::string out;            // profile path (required)
    std::string resume;         // partial profile to continue
    std::string name;           // profile name (default: cpu-<fingerprint>)
    int threads = 0;            // 0: one per core
    double price_per_hour = 0;  // USD per device-hour to record (0: unknown)
    double tdp_watts = 0;       // device power to record (0: unknown)
    // Polled between cases: true ends the run with exit code 130 and the partial profile kept
    // (the CLI answers SIGINT/SIGTERM with it). Unset: the run is never stopped.
    std::function<bool()> stop_requested;
    // Called once the complete profile is written (the CLI records its measurements there).
    std::function<void(const DeviceProfile&, const Provenance&)> on_complete;
};

// Returns the process exit code: 0 complete, 130 interrupted (partial profile kept), 2 bad input.
int run_calibration(const CalibrateOptions& o, std::ostream& out, std::ostream& err);

}  // namespace flopmeter
