#include <cmath>

#include "measure/writers.hpp"

namespace flopmeter {

std::string results_to_gbench_json(const ResultsDocument& doc) {
    using ojson = nlohmann::ordered_json;
    const Provenance& p = doc.provenance;
    ojson caches = ojson::array();
    for (const auto& c : p.caches)
        caches.push_back({{"type", c.type == "data" ? "Data" : "Unified"}, {"level", c.level}, {"size", c.size},
                          {"num_sharing", c.cores_sharing}});
    ojson ctx = {{"date", p.date_utc},
                 {"host_name", p.hostname},
                 {"executable", "flopmeter"},
                 {"num_cpus", p.pus},
                 {"mhz_per_cpu", 0},
                 {"cpu_scaling_enabled", false},
                 {"caches", caches},
                 {"load_avg", ojson::array()},
                 {"library_build_type", p.build_type == "Debug" ? "debug" : "release"},
                 {"flopmeter_fingerprint", p.fingerprint},
                 {"flopmeter_git_sha", p.git_sha}};
    ojson benches = ojson::array();
    int family = 0;
    for (const auto& r : doc.results) {
        if (r.status != CaseStatus::ok) continue;
        const auto& m = r.measurement;
        const std::int64_t n = std::int64_t(m.samples.size());
        auto entry = [&](const std::string& name, const char* run_type, double seconds) {
            ojson b = {{"name", name},
                       {"family_index", family},
                       {"per_family_instance_index", 0},
                       {"run_name", r.name},
                       {"run_type", run_type},
                       {"repetitions", n},
                       {"threads", 1},
                       {"iterations", m.calls_per_sample},
                       {"real_time", seconds * 1e9},
                       {"cpu_time", seconds * 1e9},
                       {"time_unit", "ns"},
                       {"model_FLOP/s", seconds > 0 ? r.model_flops / seconds : 0.0},
                       {"bytes_per_second", seconds > 0 ? r.bytes / seconds : 0.0},
                       {"label", r.kernel_set}};
            return b;
        };
        for (std::int64_t i = 0; i < n; ++i) {
            ojson b = entry(r.name, "iteration", m.samples[std::size_t(i)]);
            b["repetition_index"] = i;
            benches.push_back(b);
        }
        for (auto [agg, v] : {std::pair<const char*, double>{"mean", m.stats.mean}, {"median", m.stats.median},
                              {"stddev", m.stats.stddev}}) {
            ojson b = entry(r.name + "_" + agg, "aggregate", v);
            b["aggregate_name"] = agg;
            benches.push_back(b);
        }
        ++family;
    }
    return ojson{{"context", ctx}, {"benchmarks", benches}}.dump(2) + "\n";
}

}  // namespace flopmeter
