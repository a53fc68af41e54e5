#include "comm/cluster_profile.hpp"

#include <algorithm>

#include "comm/collective_spec.hpp"

namespace flopmeter::comm {

bool preferred_in_place(Collective c) {
    return c == Collective::all_reduce || c == Collective::broadcast;
}

namespace {
std::string size_text(std::int64_t b) {
    const char* unit[] = {"B", "KiB", "MiB", "GiB"};
    int u = 0;
    while (u < 3 && b >= 1024 && b % 1024 == 0) {
        b /= 1024;
        ++u;
    }
    return std::to_string(b) + " " + unit[u];
}
}  // namespace

std::vector<CommFit> fits_from_series(const std::vector<Series>& series) {
    std::vector<CommFit> out;
    for (const auto& s : series) {
        if (s.points.empty() || s.fit.points < 2) continue;
        // Skip this series when the other variant of the same group is the preferred one and was
        // measured.
        const bool other_preferred = s.in_place != preferred_in_place(s.collective);
        const bool other_measured = std::any_of(series.begin(), series.end(), [&](const Series& t) {
            return t.collective == s.collective && t.ranks == s.ranks && t.tier == s.tier &&
                   t.in_place != s.in_place && t.fit.points >= 2;
        });
        if (other_preferred && other_measured) continue;
        CommFit f;
        f.collective = collective_name(s.collective);
        f.ranks = s.ranks;
        f.tier = s.tier;
        f.alpha_s = s.fit.alpha_s;
        f.beta_s_per_byte = s.fit.beta_s_per_byte;
        f.r2 = s.fit.r2;
        f.segments = s.fit.segments;
        f.min_bytes = s.points.front().bytes;
        f.max_bytes = s.points.back().bytes;
        f.source = "measured (" + s.backend + ", " + (s.in_place ? "in-place" : "out-of-place") +
                   ", " + size_text(f.min_bytes) + " to " + size_text(f.max_bytes) + ")";
        out.push_back(f);
    }
    return out;
}

nlohmann::ordered_json cluster_to_json(const ClusterRun& run) {
    nlohmann::ordered_json nodes = nlohmann::ordered_json::array(),
                           series = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < run.nodes.size(); ++i) {
        const NodeInfo& n = run.nodes[i];
        nlohmann::ordered_json fields = nlohmann::ordered_json::object();
        for (const auto& [k, v] : n.fingerprint_fields) fields[k] = v;
        nodes.push_back({{"hostname", n.hostname},
                         {"ranks", n.ranks},
                         {"fingerprint", n.fingerprint},
                         {"fingerprint_fields", fields},
                         {"profile", i < run.node_profiles.size() ? run.node_profiles[i]
                                                                  : nlohmann::ordered_json()}});
    }
    for (const auto& s : run.series) series.push_back(series_to_json(s));
    return {{"ranks", run.ranks},
            {"node_count", int(run.nodes.size())},
            {"launcher", run.launcher},
            {"backend", run.backend},
            {"build_identity", run.identity},
            {"mpi_library", run.mpi_library},
            {"mpi_thread_level", run.thread_level},
            {"series_planned", run.planned_series},
            {"series_measured", int(run.series.size())},
            {"test_overrides", run.test_overrides},
            {"nodes", nodes},
            {"node_check", node_check_to_json(run.check)},
            {"comm", series}};
}

void attach_cluster(DeviceProfile& p, const ClusterRun& run) {
    p.comm = fits_from_series(run.series);
    p.cluster = cluster_to_json(run);
}

DeviceProfile assemble_cluster_profile(const DeviceProfile& base, const ClusterRun& run,
                                       const std::string& name,
                                       const std::vector<std::string>& warnings, bool complete) {
    DeviceProfile p = base;
    int per_node = 1;
    for (const auto& n : run.nodes) per_node = std::max(per_node, int(n.ranks.size()));
    const std::string fp =
        run.nodes.empty() ? std::string() : run.nodes.front().fingerprint.substr(0, 8);
    p.name = !name.empty() ? name
                           : "cluster-" + std::to_string(run.nodes.size()) + "x" +
                                 std::to_string(per_node) + "-" + fp;
    p.description = std::to_string(run.nodes.size()) + " node(s) x " + std::to_string(per_node) +
                    " ranks, communication measured with " + run.backend +
                    "; kernels: " + base.description;
    p.facts.devices_per_node = per_node;
    p.complete = complete && base.complete;
    attach_cluster(p, run);
    for (const auto& w : warnings) p.warnings.push_back(w);
    if (!complete)
        p.warnings.push_back(
            "communication calibration incomplete: " + std::to_string(run.series.size()) + " of " +
            std::to_string(run.planned_series) + " series measured");
    return p;
}

}  // namespace flopmeter::comm
