// Test-only environment knobs, so the failure paths of a multi-rank run can be exercised on
// one machine. A run that uses one records it in the profile's warnings.
//
//   FLOPMETER_COMM_TEST_FAULT="RANK:ACTION[@COLLECTIVE][,...]"  makes world rank RANK
//       identity  report another build identity (a mismatched binary)
//       fail      fail with an error (at the collective, or at the start of the measurements)
//       corrupt   alter its received data after each collective (the data check must catch it)
//       hang      stop responding (sleep) before the collective: rank 0 names it at the checkpoint
//       stall     stop responding inside the collective's timed iterations: the others are
//                 blocked in MPI and the watchdog ends the job
//       kill      kill itself with SIGKILL before the collective
//   FLOPMETER_COMM_TEST_HOSTS="h0,h0,h1,h1"  hostname of each world rank, instead of
//       MPI_Get_processor_name: several "nodes" on one machine, so inter-node groups, the
//       per-node calibration and the node check run on loopback.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "calibrate/predictor.hpp"

namespace flopmeter::comm {

enum class FaultKind { none, identity, fail, corrupt, hang, stall, kill };

struct Fault {
    FaultKind kind = FaultKind::none;
    std::optional<Collective> at;  // none: the start of the measurements
    bool fires_at(Collective c, bool first_collective) const {
        return kind != FaultKind::none && (at ? *at == c : first_collective);
    }
};

// Parses `spec` (the knob's value) for `rank`; throws UsageError on a malformed spec.
Fault parse_fault(const std::string& spec, int rank);
Fault fault_from_env(int rank);

// Empty when unset; throws UsageError when its length is not `ranks`.
std::vector<std::string> test_hosts_from_env(int ranks);

}  // namespace flopmeter::comm
