// Do the nodes of a cluster match? Every node reports its fingerprint (stable hardware fields,
// measure/provenance.hpp) and, when it calibrated its kernels, its measured ceilings; the
// most common fingerprint is the reference, and a node that differs is named with the fields
// that differ. A node whose measured fp32 ceiling or DRAM bandwidth is well below the median
// is named too: same hardware, slower node (thermal limits, bad DIMM, a noisy neighbour).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace flopmeter::comm {

struct NodeInfo {
    std::string hostname;
    std::vector<int> ranks;  // world ranks on this node
    std::string fingerprint;
    std::vector<std::pair<std::string, std::string>> fingerprint_fields;
    double fp32_flops = 0;      // measured ceiling (0: not calibrated)
    double dram_bandwidth = 0;  // measured (0: not calibrated)
};

struct NodeOutlier {
    std::string hostname;
    std::string reason;  // "fingerprint differs: cpu_model 'X' (reference 'Y')" or "fp32 ceiling
                         // 23% below the median"
};

struct NodeCheck {
    bool match = true;  // all fingerprints equal
    std::string reference_fingerprint;
    std::string reference_host;
    std::vector<NodeOutlier> outliers;
};

// `slow_fraction`: a rate this far below the median of the nodes names the node (0.15 = 15%).
NodeCheck check_nodes(const std::vector<NodeInfo>& nodes, double slow_fraction = 0.15);

nlohmann::ordered_json node_check_to_json(const NodeCheck& c);

}  // namespace flopmeter::comm
