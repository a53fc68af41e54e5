// Which groups of ranks are measured. A cost model asks for collectives of a group size and a
// link tier: within one node (tensor parallelism) or across nodes (data and pipeline
// parallelism). Intra-node groups are ranks of rank 0's node; inter-node groups take ranks
// round-robin over the nodes, so consecutive members sit on different nodes and every ring
// step crosses the network. Every group contains world rank 0, which leads the measurements.
#pragma once

#include <string>
#include <vector>

namespace flopmeter::comm {

struct GroupSpec {
    int size = 0;
    std::string tier;           // "intra_node" or "inter_node"
    std::vector<int> members;   // world ranks, in communicator order (member 0 is world rank 0)
    int nodes = 1;              // distinct hosts among the members
    std::string label() const;  // "4 ranks, inter_node (2 nodes)"
};

// `hosts[r]`: the hostname of world rank r. `sizes` empty: powers of two from 2 up to the
// world size, and the world size. Throws UsageError for a requested size no tier can form.
std::vector<GroupSpec> plan_groups(const std::vector<std::string>& hosts,
                                   const std::vector<int>& sizes);

// Distinct hosts in rank order, and the ranks on each.
struct HostRanks {
    std::string host;
    std::vector<int> ranks;
};
std::vector<HostRanks> ranks_by_host(const std::vector<std::string>& hosts);

}  // namespace flopmeter::comm
