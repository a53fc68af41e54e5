#include <algorithm>
#include <cmath>

#include "measure/writers.hpp"

namespace flopmeter {

std::vector<std::pair<std::string, std::string>> gbench_provenance_context(const Provenance& p) {
    // Strings only: Google Benchmark's AddCustomContext takes strings, and the importer reads
    // both writers' output the same way.
    return {{"flopmeter_fingerprint", p.fingerprint},
            {"flopmeter_git_sha", p.git_sha},
            {"flopmeter_cpu_vendor", p.cpu_vendor},
            {"flopmeter_cpu_model", p.cpu_model},
            {"flopmeter_cpu_family", std::to_string(p.cpu_family)},
            {"flopmeter_cpu_model_id", std::to_string(p.cpu_model_id)},
            {"flopmeter_cpu_stepping", std::to_string(p.cpu_stepping)},
            {"flopmeter_isa_flags", p.isa_flags},
            {"flopmeter_topology", p.topology_summary},
            {"flopmeter_memory_bytes", std::to_string(p.memory_bytes)}};
}

using ojson = nlohmann::ordered_json;

std::string results_to_gbench_json(const ResultsDocument& doc, int repetitions) {
    const Provenance& p = doc.provenance;
    ojson caches = ojson::array();
    for (const auto& c : p.caches)
        caches.push_back({{"type", c.type == "data" ? "Data" : "Unified"},
                          {"level", c.level},
                          {"size", c.size},
                          {"num_sharing", c.cores_sharing}});
    ojson ctx = {{"date", p.date_utc},
                 {"host_name", p.hostname},
                 {"executable", "flopmeter"},
                 {"num_cpus", p.pus},
                 {"mhz_per_cpu", 0},
                 {"cpu_scaling_enabled", false},
                 {"caches", caches},
                 {"load_avg", ojson::array()},
                 {"library_build_type", p.build_type == "Debug" ? "debug" : "release"}};
    for (const auto& [k, v] : gbench_provenance_context(p)) ctx[k] = v;

    ojson benches = ojson::array();
    int family = 0;
    for (const auto& r : doc.results) {
        if (r.status != CaseStatus::ok || r.measurement.samples.empty()) continue;
        const auto& m = r.measurement;
        const std::size_t n = m.samples.size();
        const std::size_t reps =
            std::clamp<std::size_t>(std::size_t(std::max(repetitions, 1)), 1, n);
        auto entry = [&](const std::string& name, const char* run_type) {
            return ojson{
                {"name", name},       {"family_index", family}, {"per_family_instance_index", 0},
                {"run_name", r.name}, {"run_type", run_type},   {"repetitions", reps},
                {"threads", 1}};
        };
        auto timing = [&](ojson& b, double seconds, std::int64_t iterations, bool rates) {
            b["iterations"] = iterations;
            b["real_time"] = seconds * 1e9;
            b["cpu_time"] = seconds * 1e9;
            b["time_unit"] = "ns";
            if (rates) {
                b["model_FLOP/s"] = seconds > 0 ? r.model_flops / seconds : 0.0;
                b["bytes_per_second"] = seconds > 0 ? r.bytes / seconds : 0.0;
            }
            b["label"] = r.kernel_set;
        };
        // Repetition i is the median of the i-th contiguous block of samples (in the order
        // taken): the statistic flopmeter reports, so compare.py's geomean over these rows
        // follows the per-case medians, and every case weighs the same whatever its sample count.
        std::vector<double> rep_seconds;
        for (std::size_t i = 0; i < reps; ++i) {
            const std::size_t lo = i * n / reps, hi = (i + 1) * n / reps;
            const std::vector<double> block(m.samples.begin() + std::ptrdiff_t(lo),
                                            m.samples.begin() + std::ptrdiff_t(hi));
            const double s = summarize(block).median;
            rep_seconds.push_back(s);
            ojson b = entry(r.name, "iteration");
            b["repetition_index"] = i;
            timing(b, s, std::int64_t(hi - lo) * m.calls_per_sample, true);
            b["flopmeter_statistic"] = "median of " + std::to_string(hi - lo) + " samples";
            benches.push_back(b);
        }
        if (reps > 1) {
            // Google Benchmark's aggregates over the repetitions.
            const Stats st = summarize(rep_seconds);
            for (auto [agg, v] : {std::pair<const char*, double>{"mean", st.mean},
                                  {"median", st.median},
                                  {"stddev", st.stddev},
                                  {"cv", st.cv}}) {
                const bool is_cv = std::string(agg) == "cv";
                ojson b = entry(r.name + "_" + agg, "aggregate");
                b["aggregate_name"] = agg;
                b["aggregate_unit"] = is_cv ? "percentage" : "time";
                if (is_cv) {
                    b["iterations"] = reps;
                    b["real_time"] = v;
                    b["cpu_time"] = v;
                    b["time_unit"] = "ns";
                    b["label"] = r.kernel_set;
                } else {
                    timing(b, v, std::int64_t(reps), std::string(agg) != "stddev");
                }
                benches.push_back(b);
            }
        }
        ++family;
    }
    return ojson{{"context", ctx}, {"benchmarks", benches}}.dump(2) + "\n";
}

}  // namespace flopmeter
