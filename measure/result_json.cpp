#include "measure/result_json.hpp"

#include "core/error.hpp"
#include "core/json_schema.hpp"

namespace flopmeter {

const char* results_schema_json();  // generated from docs/schema/results.schema.json

const nlohmann::ordered_json& results_schema() {
    static const nlohmann::ordered_json s = nlohmann::ordered_json::parse(results_schema_json());
    return s;
}

using ojson = nlohmann::ordered_json;
using json = nlohmann::ordered_json;

ojson provenance_to_json(const Provenance& p) {
    ojson caches = ojson::array();
    for (const auto& c : p.caches)
        caches.push_back({{"level", c.level},
                          {"type", c.type},
                          {"size_bytes", c.size},
                          {"line_bytes", c.line},
                          {"instances", c.instances},
                          {"cores_sharing", c.cores_sharing}});
    ojson env = ojson::object();
    for (const auto& [k, v] : p.env) env[k] = v;
    return {{"tool", p.tool},
            {"tool_version", p.tool_version},
            {"git_sha", p.git_sha},
            {"build_type", p.build_type},
            {"compiler", p.compiler},
            {"compiler_flags", p.compiler_flags},
            {"sanitized", p.sanitized},
            {"cpu",
             {{"vendor", p.cpu_vendor},
              {"model", p.cpu_model},
              {"family", p.cpu_family},
              {"model_id", p.cpu_model_id},
              {"stepping", p.cpu_stepping},
              {"isa_flags", p.isa_flags},
              {"isa_supported", p.isa_supported},
              {"isa_active", p.isa_active}}},
            {"topology",
             {{"packages", p.packages},
              {"cores", p.cores},
              {"pus", p.pus},
              {"numa_nodes", p.numa_nodes},
              {"memory_bytes", p.memory_bytes},
              {"caches", caches},
              {"summary", p.topology_summary},
              {"digest", p.topology_digest}}},
            {"os", p.os},
            {"hostname", p.hostname},
            {"libraries",
             {{"hwloc", p.hwloc_version},
              {"openblas_config", p.openblas_config},
              {"openblas_corename", p.openblas_corename},
              {"onednn", p.onednn_version}}},
            {"env", env},
            {"date_utc", p.date_utc},
            {"fingerprint", p.fingerprint}};
}

Provenance provenance_from_json(const json& j) {
    Provenance p;
    p.tool = j.value("tool", "");
    p.tool_version = j.value("tool_version", "");
    p.git_sha = j.value("git_sha", "");
    p.build_type = j.value("build_type", "");
    p.compiler = j.value("compiler", "");
    p.compiler_flags = j.value("compiler_flags", "");
    p.sanitized = j.value("sanitized", false);
    const json& c = j.at("cpu");
    p.cpu_vendor = c.value("vendor", "");
    p.cpu_model = c.value("model", "");
    p.cpu_family = c.value("family", 0);
    p.cpu_model_id = c.value("model_id", 0);
    p.cpu_stepping = c.value("stepping", 0);
    p.isa_flags = c.value("isa_flags", "");
    p.isa_supported = c.value("isa_supported", "");
    p.isa_active = c.value("isa_active", "");
    const json& t = j.at("topology");
    p.packages = t.value("packages", 0);
    p.cores = t.value("cores", 0);
    p.pus = t.value("pus", 0);
    p.numa_nodes = t.value("numa_nodes", 0);
    p.memory_bytes = t.value("memory_bytes", std::int64_t(0));
    const json caches = t.value("caches", json::array());
    for (const auto& cj : caches) {
        CacheLevel cl;
        cl.level = cj.value("level", 0);
        cl.type = cj.value("type", "");
        cl.size = cj.value("size_bytes", std::int64_t(0));
        cl.line = cj.value("line_bytes", 0);
        cl.instances = cj.value("instances", 0);
        cl.cores_sharing = cj.value("cores_sharing", 0);
        p.caches.push_back(cl);
    }
    p.topology_summary = t.value("summary", "");
    p.topology_digest = t.value("digest", "");
    p.os = j.value("os", "");
    p.hostname = j.value("hostname", "");
    if (j.contains("libraries")) {
        const json& l = j["libraries"];
        p.hwloc_version = l.value("hwloc", "");
        p.openblas_config = l.value("openblas_config", "");
        p.openblas_corename = l.value("openblas_corename", "");
        p.onednn_version = l.value("onednn", "");
    }
    const json env = j.value("env", json::object());
    for (const auto& [k, v] : env.items()) p.env.emplace_back(k, v.get<std::string>());
    p.date_utc = j.value("date_utc", "");
    p.fingerprint = j.value("fingerprint", "");
    return p;
}

ojson case_to_json(const CaseResult& r) {
    ojson dims = ojson::object();
    for (const auto& [k, v] : r.dims) dims[k] = v;
    ojson params = ojson::object();
    for (const auto& [k, v] : r.params) params[k] = v;
    const Measurement& m = r.measurement;
    const Stats& s = m.stats;
    ojson j = {{"name", r.name},
               {"op", r.op},
               {"backend", r.backend},
               {"dtype", r.dtype},
               {"dims", dims},
               {"params", params},
               {"threads", r.threads},
               {"binding", r.binding},
               {"kernel_set", r.kernel_set},
               {"cache_mode", r.cache_mode},
               {"flops", {{"model", r.model_flops}, {"executed", r.executed_flops}}},
               {"bytes", r.bytes},
               {"status", case_status_name(r.status)},
               {"error", r.error},
               {"validation",
                {{"passed", r.validated},
                 {"max_error_ratio", r.validation_max_error},
                 {"checked", r.validation_checked},
                 {"detail", r.validation_detail}}}};
    if (r.status == CaseStatus::ok) {
        j["timing"] = {{"unit", "s"},
                       {"median", s.median},
                       {"ci_low", s.ci_lo},
                       {"ci_high", s.ci_hi},
                       {"ci_level", 0.95},
                       {"ci_rel_halfwidth",
                        s.ci_rel_halfwidth() == s.ci_rel_halfwidth() && s.ci_rel_halfwidth() < 1e300
                            ? ojson(s.ci_rel_halfwidth())
                            : ojson(nullptr)},
                       {"min", s.min},
                       {"max", s.max},
                       {"p10", s.p10},
                       {"p90", s.p90},
                       {"mean", s.mean},
                       {"stddev", s.stddev},
                       {"cv", s.cv},
                       {"samples_count", s.n},
                       {"converged", m.converged},
                       {"stop_reason", m.stop_reason},
                       {"calls_per_sample", m.calls_per_sample},
                       {"warmup_runs", m.warmup_runs},
                       {"warmup_s", m.warmup_s},
                       {"elapsed_s", m.elapsed_s},
                       {"flagged_samples", m.flagged},
                       {"samples", m.samples}};
        j["rates"] = {{"model_flops_per_s", r.model_flops_per_s()},
                      {"executed_flops_per_s", r.executed_flops_per_s()},
                      {"bytes_per_s", r.bytes_per_s()}};
    }
    j["memory"] = {{"operand_bytes", r.operand_bytes}, {"workspace_bytes", r.workspace_bytes}};
    auto opt = [](double x) { return x >= 0 ? ojson(x) : ojson(nullptr); };
    j["clock"] = {{"ghz_before", r.clock_ghz_before},
                  {"ghz_after", r.clock_ghz_after},
                  {"ghz_min", r.clock_ghz_min},
                  {"ghz_reference", r.clock_ghz_reference},
                  {"contended", r.contended}};
    j["counted_flops"] = opt(r.counted_flops);
    j["ceiling"] = {{"measured_flops_per_s", opt(r.ceiling_flops_per_s)},
                    {"pct_of_measured", opt(r.pct_of_ceiling)},
                    {"datasheet_flops_per_s", opt(r.datasheet_flops_per_s)},
                    {"pct_of_datasheet", opt(r.pct_of_datasheet)}};
    if (!r.bandwidth_pairing.empty()) {
        const BandwidthPairing& bp = r.bandwidth_pairing;
        ojson rounds = ojson::array();
        for (const auto& x : bp.rounds) {
            ojson rj = {{"case_bytes_per_s", x.case_bytes_per_s},
                        {"reference_before", x.reference_before},
                        {"reference_after", x.reference_after},
                        {"ratio", x.ratio()}};
            if (x.short_read() > 0) {
                rj["short_read_before"] = x.short_read_before;
                rj["short_read_after"] = x.short_read_after;
                rj["short_read_ratio"] = x.short_read_ratio();
            }
            rounds.push_back(rj);
        }
        j["bandwidth_reference"] = {{"reference", bp.reference},
                                    {"ratio_median", bp.ratio_median()},
                                    {"ratio_min", bp.ratio_min()},
                                    {"ratio_max", bp.ratio_max()}};
        if (bp.short_read_ratio_median() > 0)
            j["bandwidth_reference"]["short_read_ratio_median"] = bp.short_read_ratio_median();
        j["bandwidth_reference"]["rounds"] = rounds;
    }
    j["warnings"] = r.warnings;
    return j;
}

CaseResult case_from_json(const json& j) {
    CaseResult r;
    r.name = j.at("name").get<std::string>();
    r.op = j.at("op").get<std::string>();
    r.backend = j.value("backend", "");
    r.dtype = j.value("dtype", "");
    const json dims = j.value("dims", json::object()), params = j.value("params", json::object());
    for (const auto& [k, v] : dims.items()) r.dims.emplace_back(k, v.get<std::int64_t>());
    for (const auto& [k, v] : params.items()) r.params.emplace_back(k, v.get<std::string>());
    r.threads = j.value("threads", 1);
    r.binding = j.value("binding", "");
    r.kernel_set = j.value("kernel_set", "");
    r.cache_mode = j.value("cache_mode", "warm");
    r.model_flops = j.at("flops").at("model").get<double>();
    r.executed_flops = j.at("flops").at("executed").get<double>();
    r.bytes = j.value("bytes", 0.0);
    const std::string st = j.value("status", "ok");
    r.status = st == "ok"                  ? CaseStatus::ok
               : st == "validation_failed" ? CaseStatus::validation_failed
               : st == "unavailable"       ? CaseStatus::unavailable
                                           : CaseStatus::error;
    r.error = j.value("error", "");
    if (j.contains("validation")) {
        const json& v = j["validation"];
        r.validated = v.value("passed", false);
        r.validation_max_error = v.value("max_error_ratio", 0.0);
        r.validation_checked = v.value("checked", std::int64_t(0));
        r.validation_detail = v.value("detail", "");
    }
    if (j.contains("timing")) {
        const json& t = j["timing"];
        Measurement& m = r.measurement;
        m.samples = t.value("samples", std::vector<double>{});
        m.converged = t.value("converged", false);
        m.stop_reason = t.value("stop_reason", "");
        m.calls_per_sample = t.value("calls_per_sample", std::int64_t(1));
        m.warmup_runs = t.value("warmup_runs", std::int64_t(0));
        m.warmup_s = t.value("warmup_s", 0.0);
        m.elapsed_s = t.value("elapsed_s", 0.0);
        m.flagged = t.value("flagged_samples", std::vector<std::int64_t>{});
        if (!m.samples.empty()) {
            m.stats = summarize(m.samples);
        } else {
            Stats& s = m.stats;
            s.n = t.value("samples_count", std::int64_t(0));
            s.median = t.value("median", 0.0);
            s.ci_lo = t.value("ci_low", 0.0);
            s.ci_hi = t.value("ci_high", 0.0);
            s.min = t.value("min", 0.0);
            s.max = t.value("max", 0.0);
            s.p10 = t.value("p10", 0.0);
            s.p90 = t.value("p90", 0.0);
            s.mean = t.value("mean", 0.0);
            s.stddev = t.value("stddev", 0.0);
            s.cv = t.value("cv", 0.0);
        }
    }
    auto num = [](const json& o, const char* k, double dflt) {
        return o.contains(k) && o[k].is_number() ? o[k].get<double>() : dflt;
    };
    if (j.contains("memory")) {
        r.operand_bytes = num(j["memory"], "operand_bytes", 0.0);
        r.workspace_bytes = num(j["memory"], "workspace_bytes", 0.0);
    }
    if (j.contains("clock")) {
        const json& c = j["clock"];
        r.clock_ghz_before = num(c, "ghz_before", 0.0);
        r.clock_ghz_after = num(c, "ghz_after", 0.0);
        r.clock_ghz_min = num(c, "ghz_min", 0.0);
        r.clock_ghz_reference = num(c, "ghz_reference", 0.0);
        r.contended = c.value("contended", false);
    }
    r.counted_flops = num(j, "counted_flops", -1.0);
    if (j.contains("ceiling")) {
        const json& c = j["ceiling"];
        r.ceiling_flops_per_s = num(c, "measured_flops_per_s", -1.0);
        r.pct_of_ceiling = num(c, "pct_of_measured", -1.0);
        r.datasheet_flops_per_s = num(c, "datasheet_flops_per_s", -1.0);
        r.pct_of_datasheet = num(c, "pct_of_datasheet", -1.0);
    }
    if (j.contains("bandwidth_reference")) {
        const json& b = j["bandwidth_reference"];
        r.bandwidth_pairing.reference = b.value("reference", "");
        for (const auto& x : b.value("rounds", json::array())) {
            BandwidthPairing::Round rd;
            rd.case_bytes_per_s = num(x, "case_bytes_per_s", 0.0);
            rd.reference_before = num(x, "reference_before", 0.0);
            rd.reference_after = num(x, "reference_after", 0.0);
            rd.short_read_before = num(x, "short_read_before", 0.0);
            rd.short_read_after = num(x, "short_read_after", 0.0);
            r.bandwidth_pairing.rounds.push_back(rd);
        }
    }
    r.warnings = j.value("warnings", std::vector<std::string>{});
    return r;
}

std::string results_to_json_string(const ResultsDocument& doc) {
    ojson results = ojson::array();
    for (const auto& r : doc.results) results.push_back(case_to_json(r));
    ojson j = {{"schema", kResultsSchema},
               {"schema_version", kResultsSchemaVersion},
               {"provenance", provenance_to_json(doc.provenance)},
               {"warnings", doc.warnings},
               {"results", results}};
    return j.dump(2) + "\n";
}

ResultsDocument results_from_json_string(const std::string& text) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {  // parse_error; out_of_range for 1e999
        throw UsageError(std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object() || j.value("schema", "") != kResultsSchema)
        throw UsageError(std::string("not a flopmeter results file (expected \"schema\": \"") +
                         kResultsSchema + "\")");
    const int v = j.value("schema_version", 0);
    if (v > kResultsSchemaVersion)
        throw UsageError("results file has schema_version " + std::to_string(v) +
                         ", newer than this flopmeter understands (" +
                         std::to_string(kResultsSchemaVersion) + "); upgrade flopmeter");
    if (v < 1) throw UsageError("results file has no valid schema_version");
    require_schema_valid(results_schema(), j, "results file");
    ResultsDocument doc;
    try {
        doc.provenance = provenance_from_json(j.at("provenance"));
        doc.warnings = j.value("warnings", std::vector<std::string>{});
        for (const auto& c : j.at("results")) doc.results.push_back(case_from_json(c));
    } catch (const json::exception& e) {
        throw UsageError(std::string("malformed results file: ") + e.what());
    }
    return doc;
}

}  // namespace flopmeter
