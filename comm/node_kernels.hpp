// A node's kernel calibration, through the one calibration path (calibrate/calibrate_run.hpp)
// into a temporary file, returned as profile JSON text for rank 0 to gather.
#pragma once

#include <ostream>
#include <string>

#include "comm/comm_options.hpp"

namespace flopmeter::comm {

struct NodeKernels {
    int code = 0;              // the calibration's exit code (0 complete)
    std::string message;       // why it failed
    std::string profile_json;  // the node's profile
    double seconds = 0;
};

// `out`/`err` receive the calibration's tables and progress (rank 0 shows them; other nodes
// pass sinks and only their failure message travels).
NodeKernels calibrate_node_kernels(const CommOptions& o, const std::string& host, std::ostream& out,
                                   std::ostream& err);

}  // namespace flopmeter::comm
