// Collectives of the MPI library on host memory, with the blocking calls an MPI program
// makes (MPI_Allreduce, MPI_Reduce_scatter_block, MPI_Allgather, MPI_Alltoall, MPI_Bcast from
// rank 0, MPI_Sendrecv around a ring), in place with MPI_IN_PLACE or out of place.
#pragma once

#include <memory>

#include "comm/comm_backend.hpp"
#include "comm/mpi_session.hpp"

namespace flopmeter::comm {

std::unique_ptr<CommBackend> make_mpi_backend(MPI_Comm group);

}  // namespace flopmeter::comm
