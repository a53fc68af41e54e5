// `flopmeter calibrate --comm`: run under mpirun or srun, every rank measures collectives
// with its peers, each node calibrates its kernels, and rank 0 writes one cluster profile.
#pragma once

#include <ostream>

#include "comm/comm_options.hpp"

namespace flopmeter::comm {

// Returns the exit code on every rank: 0 complete, 1 a run failure (wrong data, a rank's
// error; the partial profile is kept, marked incomplete), 2 bad input (options, mismatched
// builds). Throws UsageError when not started by an MPI launcher or built without MPI. A rank
// that stops answering ends the whole job (MPI_Abort) after a message from rank 0.
int run_comm_calibration(const CommOptions& o, std::ostream& out, std::ostream& err);

}  // namespace flopmeter::comm
