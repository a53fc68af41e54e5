#include "track/gbench_import.hpp"

#include <cstring>
#include <map>

#include "core/error.hpp"

namespace flopmeter {

using ojson = nlohmann::ordered_json;

bool is_gbench_json(const ojson& j) {
    return j.is_object() && j.contains("context") && j["context"].is_object() &&
           j.contains("benchmarks") && j["benchmarks"].is_array();
}

namespace {

double unit_seconds(const std::string& u) {
    if (u == "ns") return 1e-9;
    if (u == "us") return 1e-6;
    if (u == "ms") return 1e-3;
    if (u == "s") return 1.0;
    throw UsageError("Google Benchmark JSON: unknown time_unit '" + u + "'");
}

Provenance context_provenance(const ojson& ctx) {
    Provenance p;
    p.tool = "google-benchmark";
    p.tool_version = ctx.value("library_version", "");
    p.build_type = ctx.value("library_build_type", "");
    p.hostname = ctx.value("host_name", "");
    p.date_utc = ctx.value("date", "");
    p.pus = ctx.value("num_cpus", 0);
    std::string caches;
    for (const auto& c : ctx.value("caches", ojson::array())) {
        CacheLevel cl;
        cl.level = c.value("level", 0);
        cl.type = c.value("type", "");
        cl.size = c.value("size", std::int64_t(0));
        cl.instances = c.value("num_sharing", 0);
        p.caches.push_back(cl);
        caches +=
            " L" + std::to_string(cl.level) + cl.type.substr(0, 1) + "=" + std::to_string(cl.size);
    }
    if (ctx.contains("flopmeter_fingerprint")) {
        // Written by flopmeter-bench or `flopmeter convert --to gbench`: the hardware fields of
        // flopmeter's own provenance, so the run matches a native run of the same machine.
        auto text = [&](const char* key) {
            const auto it = ctx.find(key);
            return it != ctx.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        auto integer = [&](const char* key) -> std::int64_t {
            const std::string t = text(key);
            try {
                return t.empty() ? 0 : std::stoll(t);
            } catch (const std::exception&) {
                throw UsageError(std::string("Google Benchmark JSON: context ") + key + " '" + t +
                                 "' is not an integer");
            }
        };
        p.git_sha = text("flopmeter_git_sha");
        p.cpu_vendor = text("flopmeter_cpu_vendor");
        p.cpu_model = text("flopmeter_cpu_model");
        p.cpu_family = int(integer("flopmeter_cpu_family"));
        p.cpu_model_id = int(integer("flopmeter_cpu_model_id"));
        p.cpu_stepping = int(integer("flopmeter_cpu_stepping"));
        p.isa_flags = text("flopmeter_isa_flags");
        p.topology_summary = text("flopmeter_topology");
        p.memory_bytes = integer("flopmeter_memory_bytes");
    } else {
        // Google Benchmark names no CPU model; host, CPU count and caches stand in for the
        // hardware identity so runs from different machines are not compared by accident.
        p.topology_summary = "google-benchmark context: host " + p.hostname + ", " +
                             std::to_string(p.pus) + " cpus," + caches;
    }
    p.fingerprint = compute_fingerprint(p);
    return p;
}

}  // namespace

ojson parse_gbench_json(const std::string& text) {
    try {
        return ojson::parse(text);
    } catch (const nlohmann::json::parse_error&) {
    }
    static const char* const kNonFinite[] = {"-Infinity", "Infinity", "-NaN", "NaN",
                                             "-nan",      "nan",      "-inf", "inf"};
    std::string fixed;
    fixed.reserve(text.size());
    bool in_string = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (in_string) {
            fixed += c;
            if (c == '\\' && i + 1 < text.size())
                fixed += text[++i];
            else if (c == '"')
                in_string = false;
            ++i;
            continue;
        }
        if (c == '"') {
            in_string = true;
            fixed += c;
            ++i;
            continue;
        }
        bool replaced = false;
        for (const char* lit : kNonFinite) {
            const std::size_t n = std::strlen(lit);
            if (text.compare(i, n, lit) == 0) {
                fixed += "null";
                i += n;
                replaced = true;
                break;
            }
        }
        if (!replaced) fixed += text[i++];
    }
    return ojson::parse(fixed);
}

ResultsDocument gbench_to_results(const ojson& j) {
    if (!is_gbench_json(j))
        throw UsageError("not Google Benchmark JSON (expected \"context\" and \"benchmarks\")");
    ResultsDocument doc;
    doc.provenance = context_provenance(j["context"]);
    if (j["context"].value("cpu_scaling_enabled", false))
        doc.warnings.push_back(
            "Google Benchmark reported CPU frequency scaling enabled: timings may be noisy");

    std::map<std::string, std::size_t> index;  // run name -> position in doc.results
    bool any_aggregate = false;
    try {
        for (const auto& b : j["benchmarks"]) {
            const std::string run_type = b.value("run_type", "iteration");
            if (run_type == "aggregate") {
                any_aggregate = true;
                continue;
            }
            // "run_name" groups the repetitions; older versions only have "name".
            const std::string name = b.value("run_name", b.at("name").get<std::string>());
            auto [it, fresh] = index.emplace(name, doc.results.size());
            if (fresh) {
                CaseResult c;
                c.op = "google-benchmark";
                c.name = name;
                c.threads = b.value("threads", 1);
                c.kernel_set = b.value("label", "");
                c.validated = false;
                c.validation_detail = "imported from Google Benchmark: not validated by flopmeter";
                doc.results.push_back(std::move(c));
            }
            CaseResult& c = doc.results[it->second];
            if (b.value("error_occurred", false)) {
                c.status = CaseStatus::error;
                c.error = b.value("error_message", "Google Benchmark reported an error");
                continue;
            }
            const double iters = b.at("iterations").get<double>();
            if (!(iters > 0)) continue;
            // real_time is already per iteration, in time_unit.
            const double s =
                b.at("real_time").get<double>() * unit_seconds(b.value("time_unit", "ns"));
            // flopmeter-bench's "contended" counter: the clock probe around this repetition read a
            // slowed, shared or descheduled core (bench/bench_probe.hpp).
            if (b.contains("contended") && b["contended"].is_number() &&
                b["contended"].get<double>() > 0.5) {
                c.measurement.flagged.push_back(std::int64_t(c.measurement.samples.size()));
                c.contended = true;
            }
            c.measurement.samples.push_back(s);
            c.measurement.calls_per_sample = std::int64_t(iters);
        }
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(std::string("malformed Google Benchmark JSON: ") + e.what());
    }
    for (auto& c : doc.results) {
        if (c.status != CaseStatus::ok) continue;
        c.measurement.stats = summarize(c.measurement.samples);
        c.measurement.converged = false;
        c.measurement.stop_reason = "repetitions";
        if (c.measurement.samples.size() < 5)
            c.warnings.push_back(
                "only " + std::to_string(c.measurement.samples.size()) +
                " repetition(s): run Google Benchmark with --benchmark_repetitions=20 or more");
    }
    if (doc.results.empty())
        throw UsageError(
            any_aggregate
                ? "Google Benchmark JSON holds only aggregates (mean/median/stddev): rerun "
                  "without --benchmark_report_aggregates_only so raw repetitions are kept"
                : "Google Benchmark JSON holds no benchmarks");
    return doc;
}

}  // namespace flopmeter
