#include "comm/node_check.hpp"
#include "measure/stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace flopmeter::comm {

namespace {

void check_rate(const std::vector<NodeInfo>& nodes, double NodeInfo::*field, const char* what,
                double slow, std::vector<NodeOutlier>& out) {
    std::vector<double> v;
    for (const auto& n : nodes)
        if (n.*field > 0) v.push_back(n.*field);
    if (v.size() < 2) return;
    const double med = median(v);
    for (const auto& n : nodes) {
        if (!(n.*field > 0) || n.*field >= med * (1.0 - slow)) continue;
        char b[160];
        std::snprintf(b, sizeof b, "%s %.0f%% below the median of %zu nodes (%.3g vs %.3g)", what,
                      100.0 * (1.0 - n.*field / med), v.size(), n.*field, med);
        out.push_back({n.hostname, b});
    }
}

}  // namespace

NodeCheck check_nodes(const std::vector<NodeInfo>& nodes, double slow_fraction) {
    NodeCheck c;
    if (nodes.empty()) return c;
    // The most common fingerprint is the reference; ties go to the node listed first (rank 0's).
    std::map<std::string, int> count;
    for (const auto& n : nodes) ++count[n.fingerprint];
    const NodeInfo* ref = &nodes.front();
    for (const auto& n : nodes)
        if (count[n.fingerprint] > count[ref->fingerprint]) ref = &n;
    c.reference_fingerprint = ref->fingerprint;
    c.reference_host = ref->hostname;
    for (const auto& n : nodes) {
        if (n.fingerprint == ref->fingerprint) continue;
        c.match = false;
        std::string why = "fingerprint " + n.fingerprint + " differs from " + ref->fingerprint +
                          " (" + ref->hostname + ")";
        std::string fields;
        for (const auto& [k, v] : n.fingerprint_fields) {
            const auto it =
                std::find_if(ref->fingerprint_fields.begin(), ref->fingerprint_fields.end(),
                             [&](const auto& kv) { return kv.first == k; });
            const std::string rv = it == ref->fingerprint_fields.end() ? "(absent)" : it->second;
            if (rv != v)
                fields += (fields.empty() ? "" : "; ") + k + " '" + v + "' vs '" + rv + "'";
        }
        c.outliers.push_back({n.hostname, why + (fields.empty() ? "" : ": " + fields)});
    }
    check_rate(nodes, &NodeInfo::fp32_flops, "fp32 ceiling", slow_fraction, c.outliers);
    check_rate(nodes, &NodeInfo::dram_bandwidth, "DRAM bandwidth", slow_fraction, c.outliers);
    return c;
}

nlohmann::ordered_json node_check_to_json(const NodeCheck& c) {
    nlohmann::ordered_json o = nlohmann::ordered_json::array();
    for (const auto& x : c.outliers) o.push_back({{"hostname", x.hostname}, {"reason", x.reason}});
    return {{"fingerprints_match", c.match},
            {"reference_fingerprint", c.reference_fingerprint},
            {"reference_host", c.reference_host},
            {"outliers", o}};
}

}  // namespace flopmeter::comm
