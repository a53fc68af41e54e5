#include "comm/group_plan.hpp"

#include <algorithm>
#include <set>

#include "core/error.hpp"

namespace flopmeter::comm {

std::string GroupSpec::label() const {
    return std::to_string(size) + " ranks, " + tier +
           (nodes > 1 ? " (" + std::to_string(nodes) + " nodes)" : "");
}

std::vector<HostRanks> ranks_by_host(const std::vector<std::string>& hosts) {
    std::vector<HostRanks> out;
    for (int r = 0; r < int(hosts.size()); ++r) {
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const HostRanks& h) { return h.host == hosts[std::size_t(r)]; });
        if (it == out.end())
            out.push_back({hosts[std::size_t(r)], {r}});
        else
            it->ranks.push_back(r);
    }
    return out;
}

std::vector<GroupSpec> plan_groups(const std::vector<std::string>& hosts,
                                   const std::vector<int>& requested) {
    const int world = int(hosts.size());
    const auto by_host = ranks_by_host(hosts);
    std::vector<int> sizes = requested;
    if (sizes.empty()) {
        for (int g = 2; g <= world; g *= 2) sizes.push_back(g);
        if (world >= 2 && (sizes.empty() || sizes.back() != world)) sizes.push_back(world);
    }
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());

    // Round-robin over hosts: first rank of each host, then the second of each, ...
    std::vector<int> spread;
    for (std::size_t i = 0; spread.size() < std::size_t(world); ++i)
        for (const auto& h : by_host)
            if (i < h.ranks.size()) spread.push_back(h.ranks[i]);

    std::vector<GroupSpec> out;
    for (int g : sizes) {
        if (g < 2 || g > world)
            throw UsageError("group size " + std::to_string(g) + " is not possible with " +
                             std::to_string(world) + " ranks (2 to " + std::to_string(world) + ")");
        bool formed = false;
        const auto& local = by_host.front().ranks;  // rank 0's node
        if (int(local.size()) >= g) {
            out.push_back({g, "intra_node", std::vector<int>(local.begin(), local.begin() + g), 1});
            formed = true;
        }
        if (by_host.size() >= 2) {
            GroupSpec s{g, "inter_node", std::vector<int>(spread.begin(), spread.begin() + g), 0};
            std::set<std::string> distinct;
            for (int r : s.members) distinct.insert(hosts[std::size_t(r)]);
            s.nodes = int(distinct.size());
            out.push_back(s);
            formed = true;
        }
        if (!formed)
            throw UsageError("group size " + std::to_string(g) + ": rank 0's node has " +
                             std::to_string(local.size()) + " ranks and there is no other node");
    }
    return out;
}

}  // namespace flopmeter::comm
