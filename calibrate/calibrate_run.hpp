// `flopmeter calibrate`: runs a sweep through the one measurement path and writes a device
// profile atomically after every case, so an interrupted run keeps what it measured (marked
// incomplete) and `--resume` continues it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace flopmeter {

struct CalibrateOptions {
    std::string mode = "quick";          // quick | full | smoke
    std::string device = "cpu";          // cpu | cuda | all
    std::vector<std::string> backends;   // GEMM backends; default: own (quick), own,openblas,onednn (full)
    std::string out;                     // profile path (required)
    std::string resume;                  // partial profile to continue
    std::string name;                    // profile name (default: cpu-<fingerprint>)
    int threads = 0;                     // 0: one per core
    double price_per_hour = 0;           // USD per device-hour to record (0: unknown)
    double tdp_watts = 0;                // device power to record (0: unknown)
    std::string record_db;               // when set, record the measurements in this results store
};

// Returns the process exit code: 0 complete, 130 interrupted (partial profile kept), 2 bad input.
int run_calibration(const CalibrateOptions& o, std::ostream& out, std::ostream& err);

}  // namespace flopmeter
