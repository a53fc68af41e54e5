// Was this process started by an MPI launcher (mpirun, mpiexec, srun)? Checked before
// MPI_Init, because a plain run would otherwise start as a one-rank "singleton" job that has
// nothing to measure; and what every rank must agree on before measuring (the same build).
#pragma once

#include <string>

namespace flopmeter::comm {

struct LaunchInfo {
    bool launched = false;
    std::string launcher;  // "mpirun (Open MPI)", "srun", "PMI", "PMIx"
    int world_size = 0;    // from the launcher's environment (0: unknown)
};

LaunchInfo detect_launch();

// How to start a communication calibration: the message printed on a plain run.
std::string launch_hint();

// What must be equal on every rank: flopmeter version, git SHA, a hash of the executable, and
// the MPI library. Two builds of the same source hash differently, and that is intended: the
// ranks would be running different code.
struct BuildIdentity {
    std::string version, git_sha, binary_hash, mpi_library;
    std::string str() const;  // one line, for messages and the profile
};

BuildIdentity local_build_identity(const std::string& version, const std::string& mpi_library);

// FNV-1a of a file's bytes (hex); "unreadable" when it cannot be read.
std::string hash_file(const std::string& path);

}  // namespace flopmeter::comm
