#include "comm/launch.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "core/build_info.hpp"

namespace flopmeter::comm {

namespace {
int env_int(const char* name) {
    const char* s = std::getenv(name);
    return s ? std::atoi(s) : -1;
}
bool has_env(const char* name) {
    return std::getenv(name) != nullptr;
}
}  // namespace

LaunchInfo detect_launch() {
    LaunchInfo l;
    if (has_env("OMPI_COMM_WORLD_SIZE")) {
        l = {true, "mpirun (Open MPI)", env_int("OMPI_COMM_WORLD_SIZE")};
    } else if (has_env("SLURM_STEP_ID") && has_env("SLURM_PROCID")) {
        l = {true, "srun", env_int("SLURM_STEP_NUM_TASKS")};
    } else if (has_env("PMIX_RANK")) {
        l = {true, "PMIx", -1};
    } else if (has_env("PMI_RANK") || has_env("PMI_SIZE")) {
        l = {true, "PMI", env_int("PMI_SIZE")};
    } else if (has_env("MV2_COMM_WORLD_SIZE")) {
        l = {true, "mpirun (MVAPICH)", env_int("MV2_COMM_WORLD_SIZE")};
    }
    if (l.world_size < 0) l.world_size = 0;
    return l;
}

std::string launch_hint() {
    return "calibrate --comm measures communication between MPI ranks: start it with an MPI "
           "launcher, e.g.\n"
           "  mpirun -np 2 flopmeter calibrate --comm --out cluster.json          (one machine)\n"
           "  mpirun -np 16 --host a:8,b:8 flopmeter calibrate --comm --out cluster.json\n"
           "  srun -N 2 --ntasks-per-node 8 flopmeter calibrate --comm --out cluster.json   "
           "(Slurm)\n"
           "(as root, Open MPI also needs --allow-run-as-root; see docs/cluster.md)";
}

std::string BuildIdentity::str() const {
    return "flopmeter " + version + ", git " + git_sha + ", binary " + binary_hash + ", " +
           mpi_library;
}

std::string hash_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "unreadable";
    std::uint64_t h = 1469598103934665603ull;
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), std::streamsize(buf.size()));
        const std::streamsize n = in.gcount();
        for (std::streamsize i = 0; i < n; ++i) {
            h ^= static_cast<unsigned char>(buf[std::size_t(i)]);
            h *= 1099511628211ull;
        }
    }
    char b[17];
    std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(h));
    return b;
}

BuildIdentity local_build_identity(const std::string& version, const std::string& mpi_library) {
    BuildIdentity id;
    id.version = version;
    id.git_sha = build_git_sha();
    id.binary_hash = hash_file("/proc/self/exe");
    id.mpi_library = mpi_library;
    return id;
}

}  // namespace flopmeter::comm
