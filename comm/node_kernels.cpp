#include "comm/node_kernels.hpp"
#include "comm/watchdog.hpp"

#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "calibrate/calibrate_run.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace flopmeter::comm {

namespace {

// Launchers bind ranks to cores by default (mpirun for 2 ranks or fewer, srun's
// --cpu-bind): a node's calibration then measures only the cores this rank may use. Said in
// the node's profile, with the fix.
std::string with_affinity_warning(const std::string& profile_json) {
    cpu_set_t set;
    CPU_ZERO(&set);
    const long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (sched_getaffinity(0, sizeof set, &set) != 0 || online <= 0 || CPU_COUNT(&set) >= online)
        return profile_json;
    auto j = nlohmann::ordered_json::parse(profile_json);
    j["warnings"].push_back("the launcher bound this rank to " + std::to_string(CPU_COUNT(&set)) +
                            " of " + std::to_string(online) +
                            " CPUs, so the node's kernels were calibrated on those only; run "
                            "mpirun with --bind-to none "
                            "or srun with --cpu-bind=none");
    return j.dump(1) + "\n";
}

}  // namespace

NodeKernels calibrate_node_kernels(const CommOptions& o, const std::string& host, std::ostream& out,
                                   std::ostream& err) {
    NodeKernels r;
    const auto t0 = std::chrono::steady_clock::now();
    // Node-local scratch: the cluster profile's directory may not exist on this node.
    const std::filesystem::path tmp = std::filesystem::temp_directory_path() /
                                      ("flopmeter-node-" + std::to_string(::getpid()) + ".json");
    CalibrateOptions co;
    co.mode = o.kernel_mode;
    co.device = o.device;
    co.backends = o.backends;
    co.out = tmp.string();
    co.name = "node-" + host;
    co.threads = o.threads;
    co.price_per_hour = o.price_per_hour;
    co.tdp_watts = o.tdp_watts;
    if (o.pending_signal)
        co.stop_requested = [&o] { return o.pending_signal() != 0; };  // the caller's flag
    try {
        r.code = run_calibration(co, out, err);
        if (r.code == 0)
            r.profile_json = with_affinity_warning(read_file(co.out));
        else
            r.message =
                "kernel calibration on " + host + " ended with exit code " + std::to_string(r.code);
    } catch (const UsageError& e) {
        r.code = 2;
        r.message = "kernel calibration on " + host + ": " + e.what();
    } catch (const std::exception& e) {
        r.code = 1;
        r.message = "kernel calibration on " + host + " failed: " + e.what();
    }
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace flopmeter::comm
