// Collectives of NCCL on device buffers (built when CUDA and NCCL are found): one GPU per
// rank, chosen by the rank's index on its node; the communicator is bootstrapped over the
// group's MPI communicator. Inputs and outputs are copied to and from the host around each
// collective for the shared fill and check; the timed region is the enqueue plus a stream
// synchronize, what a framework waiting for the result sees.
#pragma once

#include <memory>
#include <string>

#include "comm/comm_backend.hpp"
#include "comm/mpi_session.hpp"

namespace flopmeter::comm {

// "" when this rank can use NCCL (a GPU is visible), else why not.
std::string nccl_unavailable_reason();

std::unique_ptr<CommBackend> make_nccl_backend(MPI_Comm group, int local_rank);

}  // namespace flopmeter::comm
