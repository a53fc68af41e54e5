// Measures one collective, in place or out of place, on one group over every message size:
// buffers for the largest size first (a rank that cannot allocate says so at the start), then
// per size (in kPasses interleaved sweeps of all sizes) warm-up and timed iterations, each
// one: write inputs and poison outputs, barrier, time the blocking collective, check every
// element of the output. Each rank sends its
// iteration times and check result to the root, which keeps, per iteration, the slowest
// rank's time (a collective is done when its last rank is), then the median and p99.
#pragma once

#include <ostream>
#include <vector>

#include "comm/comm_backend.hpp"
#include "comm/comm_options.hpp"
#include "comm/comm_series.hpp"
#include "comm/control.hpp"
#include "comm/group_plan.hpp"
#include "comm/test_knobs.hpp"
#include "comm/watchdog.hpp"

namespace flopmeter::comm {

// Each size's iterations are spread over this many sweeps of all sizes.
constexpr int kPasses = 3;

struct SweepSetup {
    CommBackend& backend;
    Control& ctl;  // the group's checkpoints
    Watchdog& dog;
    const GroupSpec& group;
    std::vector<std::int64_t> sizes;  // requested nccl-tests sizes
    int max_iters = 50, warmup = 2;
    double timeout_s = 60;
    Fault fault;  // this rank's injected fault (tests only)
};

// Every member calls. Returns the series on the root (member 0), an empty one elsewhere.
// Throws RunFailure on every member when a member failed, CommTimeout when one stopped answering.
Series measure_series(const SweepSetup& s, Collective c, bool in_place, bool first_collective);

}  // namespace flopmeter::comm
