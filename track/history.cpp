#include "track/history.hpp"

#include <fnmatch.h>

#include <cmath>
#include <map>

namespace flopmeter {

using ojson = nlohmann::ordered_json;

bool case_matches(const std::string& name, const std::string& pattern) {
    if (pattern.empty()) return true;
    if (pattern.find_first_of("*?[") != std::string::npos)
        return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
    return name.find(pattern) != std::string::npos;
}

std::vector<HistorySeries> build_history(const std::vector<CaseRow>& rows,
                                         const std::string& pattern, const ChangePointOptions& o) {
    std::vector<HistorySeries> out;
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    for (const CaseRow& r : rows) {
        if (!case_matches(r.name, pattern) || !(r.median > 0)) continue;
        auto [it, fresh] = index.emplace(std::make_pair(r.name, r.run.fingerprint), out.size());
        if (fresh) out.push_back({r.name, r.run.fingerprint, r.run.hostname, {}, {}});
        out[it->second].points.push_back(r);
    }
    for (auto& s : out) {
        std::vector<double> x;
        for (const auto& p : s.points) x.push_back(std::log(p.median));
        s.changes = detect_change_points(x, o);
    }
    return out;
}

ojson history_to_json(const std::vector<HistorySeries>& series, const ChangePointOptions& o) {
    ojson arr = ojson::array();
    for (const auto& s : series) {
        ojson pts = ojson::array();
        for (const auto& p : s.points)
            pts.push_back({{"run_id", p.run.id},
                           {"date_utc", p.run.date_utc},
                           {"git_sha", p.run.git_sha},
                           {"tag", p.run.tag},
                           {"median_s", p.median},
                           {"ci_low_s", p.ci_low},
                           {"ci_high_s", p.ci_high},
                           {"samples", p.n},
                           {"model_flops", p.model_flops},
                           {"bytes", p.bytes}});
        ojson cps = ojson::array();
        const auto& segs = s.changes.segments;
        for (std::size_t i = 0; i < s.changes.at.size(); ++i) {
            const std::size_t at = s.changes.at[i];
            cps.push_back({{"index", at},
                           {"run_id", s.points[at].run.id},
                           {"git_sha", s.points[at].run.git_sha},
                           {"date_utc", s.points[at].run.date_utc},
                           {"before_s", std::exp(segs[i].level)},
                           {"after_s", std::exp(segs[i + 1].level)},
                           {"ratio", std::exp(segs[i + 1].level - segs[i].level)}});
        }
        ojson sg = ojson::array();
        for (const auto& g : segs)
            sg.push_back({{"begin", g.begin}, {"end", g.end}, {"level_s", std::exp(g.level)}});
        arr.push_back({{"case", s.name},
                       {"fingerprint", s.fingerprint},
                       {"hostname", s.hostname},
                       {"noise_sigma_log", s.changes.sigma},
                       {"points", pts},
                       {"change_points", cps},
                       {"segments", sg}});
    }
    return {{"schema", "flopmeter.history"},
            {"schema_version", 1},
            {"method",
             {{"name", "penalised optimal partitioning of log median time"},
              {"min_segment", o.min_segment},
              {"penalty", o.penalty < 0 ? ojson("3 ln n") : ojson(o.penalty)},
              {"min_step", o.min_step}}},
            {"series", arr}};
}

}  // namespace flopmeter
