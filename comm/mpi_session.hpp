// MPI for the duration of `calibrate --comm` (only that command starts MPI): initialisation
// asking for MPI_THREAD_MULTIPLE, so the watchdog thread may call MPI_Abort while the main
// thread is blocked in a collective; the world's size, rank and hostnames.
#pragma once

#define OMPI_SKIP_MPICXX 1  // the C API only: no deprecated C++ bindings
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <string>
#include <vector>

namespace flopmeter::comm {

class MpiSession {
  public:
    MpiSession();
    ~MpiSession();  // MPI_Finalize
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

    int rank = 0, size = 1;
    int thread_level = MPI_THREAD_SINGLE;
    std::string library;         // first line of MPI_Get_library_version
    std::string processor_name;  // MPI_Get_processor_name

    std::string thread_level_name() const;
    bool can_abort_from_any_thread() const { return thread_level == MPI_THREAD_MULTIPLE; }
};

// Ends every rank of the job now (the top level's answer to a timeout or a signal).
[[noreturn]] void abort_job(const MpiSession& s, int code);

}  // namespace flopmeter::comm
