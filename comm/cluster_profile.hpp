// The cluster profile: a device profile (rank 0's node's kernel figures, so `predict` and the
// cost model read it like any other) whose "comm" fits come from the measured series, plus a
// "cluster" section with every node's own profile, the node check, and the per-size figures.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibrate/profile.hpp"
#include "comm/comm_series.hpp"
#include "comm/node_check.hpp"

namespace flopmeter::comm {

struct ClusterRun {
    int ranks = 0;
    std::string launcher, backend, identity, mpi_library, thread_level;
    std::vector<NodeInfo> nodes;
    std::vector<nlohmann::ordered_json>
        node_profiles;  // per node; null when the node was not calibrated
    NodeCheck check;
    std::vector<Series> series;
    int planned_series = 0;
    std::vector<std::string> test_overrides;  // test knobs in effect (never in a real run)
};

// The variant a training framework uses: all-reduce and broadcast in place, reduce-scatter,
// all-gather and all-to-all out of place (PyTorch's *_into_tensor), send/recv out of place.
bool preferred_in_place(Collective c);

// One fit per (collective, group size, tier): of the preferred variant when it was measured.
std::vector<CommFit> fits_from_series(const std::vector<Series>& series);

nlohmann::ordered_json cluster_to_json(const ClusterRun& run);

// Puts the comm fits and the cluster section into `p` (the base profile).
void attach_cluster(DeviceProfile& p, const ClusterRun& run);

// The file rank 0 writes: `base` (rank 0's node, or --base) renamed for the cluster
// (`name`, or cluster-<nodes>x<ranks per node>-<fingerprint>), with devices_per_node, the
// comm fits, the cluster section and `warnings`; complete only when `complete` and the base is.
DeviceProfile assemble_cluster_profile(const DeviceProfile& base, const ClusterRun& run,
                                       const std::string& name,
                                       const std::vector<std::string>& warnings, bool complete);

}  // namespace flopmeter::comm
