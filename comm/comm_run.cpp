#include "comm/comm_run.hpp"

#include "comm/launch.hpp"
#include "core/error.hpp"

#ifdef FLOPMETER_HAVE_MPI
#include "comm/comm_job.hpp"
#endif

namespace flopmeter::comm {

int run_comm_calibration(const CommOptions& o, std::ostream& out, std::ostream& err) {
#ifndef FLOPMETER_HAVE_MPI
    (void)o;
    (void)out;
    (void)err;
    throw UnavailableError(
        "this flopmeter was built without MPI, which --comm needs: install Open MPI (apt-get "
        "install libopenmpi-dev "
        "openmpi-bin, or scripts/install-deps.sh), reconfigure and rebuild. Then:\n" +
        launch_hint());
#else
    const LaunchInfo li = detect_launch();
    if (!li.launched) throw UsageError("not started by an MPI launcher. " + launch_hint());
    if (li.world_size == 1)
        throw UsageError("--comm needs at least 2 ranks (" + li.launcher + " started 1). " +
                         launch_hint());
    return run_comm_job(o, li, out, err);
#endif
}

}  // namespace flopmeter::comm
