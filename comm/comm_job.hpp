// The MPI job behind `calibrate --comm` (built only with MPI), in phases that every rank
// passes through in the same order, each ending at a checkpoint led by rank 0:
//   start    options, build identity, hostnames and fingerprints from every rank; rank 0
//            refuses mismatched builds and bad input (exit 2 on every rank);
//   kernels  the first rank of each node calibrates that node's kernels while the node's
//            other ranks sleep; rank 0 gathers the node profiles and checks the nodes match;
//   comm     per group (size x tier): every collective and variant over every size;
//            rank 0 rewrites the profile (marked incomplete) after each series;
//   done     rank 0 fits, marks the profile complete and prints the tables.
#pragma once

#include <ostream>

#include "comm/comm_options.hpp"
#include "comm/launch.hpp"

namespace flopmeter::comm {

int run_comm_job(const CommOptions& o, const LaunchInfo& launch, std::ostream& out,
                 std::ostream& err);

}  // namespace flopmeter::comm
