#include "calibrate/profile.hpp"

#include <algorithm>

#include "calibrate/datasheet.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/json_schema.hpp"
#include "measure/result_json.hpp"

namespace flopmeter {

const char* profile_schema_json();  // generated from docs/schema/profile.schema.json

using ojson = nlohmann::ordered_json;

double HeldOutPoint::rel_error() const {
    return measured_s > 0 ? (predicted_s - measured_s) / measured_s : 0.0;
}

double DeviceProfile::ceiling(const std::string& dtype) const {
    double best = 0;
    for (const auto& c : ceilings)
        if (c.dtype == dtype) best = std::max(best, c.flops_per_s);
    return best;
}

double DeviceProfile::dram_bandwidth() const {
    double read = 0, triad = 0;
    for (const auto& b : bandwidth)
        if (b.level == "DRAM" || b.level == "HBM") {
            if (b.kernel == "read") read = std::max(read, b.bytes_per_s);
            if (b.kernel == "triad") triad = std::max(triad, b.bytes_per_s);
        }
    return read > 0 ? read : triad;
}

const ojson& profile_schema() {
    static const ojson s = ojson::parse(profile_schema_json());
    return s;
}

ojson profile_to_json(const DeviceProfile& p) {
    ojson ceil = ojson::array(), bw = ojson::array(), comm = ojson::array(), meas = ojson::array(),
          held = ojson::array(), summ = ojson::array();
    for (const auto& c : p.ceilings)
        ceil.push_back({{"dtype", c.dtype},
                        {"flops_per_s", c.flops_per_s},
                        {"threads", c.threads},
                        {"kernel", c.kernel},
                        {"source", c.source}});
    for (const auto& b : p.bandwidth)
        bw.push_back({{"level", b.level},
                      {"kernel", b.kernel},
                      {"bytes_per_s", b.bytes_per_s},
                      {"write_allocate_bytes_per_s", b.write_allocate_bytes_per_s},
                      {"working_set_bytes", b.working_set},
                      {"source", b.source}});
    for (const auto& c : p.comm)
        comm.push_back({{"collective", c.collective},
                        {"ranks", c.ranks},
                        {"tier", c.tier},
                        {"alpha_s", c.alpha_s},
                        {"beta_s_per_byte", c.beta_s_per_byte},
                        {"r2", c.r2},
                        {"source", c.source},
                        {"min_bytes", c.min_bytes},
                        {"max_bytes", c.max_bytes}});
    for (std::size_t i = 0; i < p.comm.size(); ++i)
        for (const auto& g : p.comm[i].segments)
            comm[i]["segments"].push_back({{"min_bytes", g.min_bytes},
                                           {"max_bytes", g.max_bytes},
                                           {"alpha_s", g.alpha_s},
                                           {"beta_s_per_byte", g.beta_s_per_byte}});
    for (const auto& m : p.measurements) meas.push_back(case_to_json(m));
    for (const auto& h : p.held_out)
        held.push_back({{"name", h.name},
                        {"op", h.op},
                        {"measured_s", h.measured_s},
                        {"predicted_s", h.predicted_s},
                        {"rel_error", h.rel_error()}});
    for (const auto& s : p.held_out_summary)
        summ.push_back({{"op", s.op},
                        {"points", s.points},
                        {"median_abs_error", s.median_abs_error},
                        {"p90_abs_error", s.p90_abs_error}});
    ojson j = {{"schema", kProfileSchema},
               {"schema_version", p.schema_version},
               {"name", p.name},
               {"kind", p.kind},
               {"device", p.device},
               {"description", p.description},
               {"complete", p.complete},
               {"mode", p.mode},
               {"backends", p.backends},
               {"created_utc", p.created_utc},
               {"fingerprint", p.fingerprint},
               {"provenance", p.provenance.is_null() ? ojson(nullptr) : p.provenance},
               {"facts",
                {{"memory_bytes", p.facts.memory_bytes},
                 {"memory_bandwidth", p.facts.memory_bandwidth},
                 {"tdp_watts", p.facts.tdp_watts},
                 {"price_per_hour", p.facts.price_per_hour},
                 {"intra_node_bandwidth", p.facts.intra_node_bandwidth},
                 {"inter_node_bandwidth", p.facts.inter_node_bandwidth},
                 {"devices_per_node", p.facts.devices_per_node}}},
               {"sources", p.sources},
               {"ceilings", ceil},
               {"bandwidth", bw},
               {"comm", comm}};
    if (p.kind == "datasheet") {
        const DatasheetEfficiency e = datasheet_efficiency(p);
        j["efficiency"] = {
            {"gemm", e.gemm},
            {"attention", e.attention},
            {"memory", e.memory},
            {"comm", e.comm},
            {"comm_latency_s", e.comm_latency_s},
            {"gemm_fp8", e.gemm_fp8},
            {"sms", e.sms},
            {"tile_k0", e.tile_k0},
            {"tile_k0_fp8", e.tile_k0_fp8},
            {"attention_curves",
             e.hopper_attention ? "FlashAttention-3 paper Figures 5-6 (H100 SXM5)" : "none"},
            {"source", e.source}};
    }
    j["rate_model"] = rate_model_to_json(p.rate_model);
    j["measurements"] = meas;
    j["held_out"] = held;
    j["held_out_summary"] = summ;
    j["planned"] = p.planned;
    j["warnings"] = p.warnings;
    if (!p.cluster.is_null()) j["cluster"] = p.cluster;
    return j;
}

DeviceProfile profile_from_json(const ojson& j) {
    if (!j.is_object() || j.value("schema", "") != kProfileSchema)
        throw UsageError(std::string("not a flopmeter profile (expected \"schema\": \"") +
                         kProfileSchema + "\")");
    const int v = j.value("schema_version", 0);
    if (v > kProfileSchemaVersion)
        throw UsageError("profile has schema_version " + std::to_string(v) +
                         ", newer than this flopmeter reads (" +
                         std::to_string(kProfileSchemaVersion) + "); upgrade flopmeter");
    require_schema_valid(profile_schema(), j, "profile");
    DeviceProfile p;
    try {
        p.schema_version = v;
        p.name = j.at("name").get<std::string>();
        p.kind = j.at("kind").get<std::string>();
        p.device = j.at("device").get<std::string>();
        p.description = j.value("description", "");
        p.complete = j.at("complete").get<bool>();
        p.mode = j.value("mode", "");
        p.backends = j.value("backends", std::vector<std::string>{});
        p.created_utc = j.value("created_utc", "");
        p.fingerprint = j.value("fingerprint", "");
        if (j.contains("provenance")) p.provenance = j["provenance"];
        const ojson& f = j.at("facts");
        p.facts.name = p.description.empty() ? p.name : p.description;
        p.facts.kind = p.kind;
        p.facts.memory_bytes = f.at("memory_bytes").get<double>();
        p.facts.memory_bandwidth = f.at("memory_bandwidth").get<double>();
        p.facts.tdp_watts = f.at("tdp_watts").get<double>();
        p.facts.price_per_hour = f.at("price_per_hour").get<double>();
        p.facts.intra_node_bandwidth = f.value("intra_node_bandwidth", 0.0);
        p.facts.inter_node_bandwidth = f.value("inter_node_bandwidth", 0.0);
        p.facts.devices_per_node = f.value("devices_per_node", 1);
        p.sources = j.value("sources", std::map<std::string, std::string>{});
        for (const auto& c : j.at("ceilings")) {
            Ceiling x{c.at("dtype").get<std::string>(), c.at("flops_per_s").get<double>(),
                      c.value("threads", 0), c.value("kernel", ""), c.value("source", "")};
            p.ceilings.push_back(x);
            if (x.dtype == "bf16") p.facts.bf16_peak = std::max(p.facts.bf16_peak, x.flops_per_s);
            if (x.dtype == "fp16") p.facts.fp16_peak = std::max(p.facts.fp16_peak, x.flops_per_s);
            if (x.dtype == "fp32") p.facts.fp32_peak = std::max(p.facts.fp32_peak, x.flops_per_s);
            if (x.dtype == "fp64") p.facts.fp64_peak = std::max(p.facts.fp64_peak, x.flops_per_s);
            if (x.dtype == "fp8") p.facts.fp8_peak = std::max(p.facts.fp8_peak, x.flops_per_s);
            if (x.dtype == "int8") p.facts.int8_peak = std::max(p.facts.int8_peak, x.flops_per_s);
        }
        for (const auto& b : j.at("bandwidth"))
            p.bandwidth.push_back(
                {b.at("level").get<std::string>(), b.at("kernel").get<std::string>(),
                 b.at("bytes_per_s").get<double>(), b.value("write_allocate_bytes_per_s", 0.0),
                 b.value("working_set_bytes", std::int64_t(0)), b.value("source", "")});
        for (const auto& c : j.value("comm", ojson::array())) {
            p.comm.push_back({c.at("collective").get<std::string>(),
                              c.at("ranks").get<int>(),
                              c.at("tier").get<std::string>(),
                              c.at("alpha_s").get<double>(),
                              c.at("beta_s_per_byte").get<double>(),
                              c.value("r2", 0.0),
                              c.value("source", ""),
                              c.value("min_bytes", std::int64_t(0)),
                              c.value("max_bytes", std::int64_t(0)),
                              {}});
            for (const auto& g : c.value("segments", ojson::array()))
                p.comm.back().segments.push_back(
                    {g.at("min_bytes").get<std::int64_t>(), g.at("max_bytes").get<std::int64_t>(),
                     g.at("alpha_s").get<double>(), g.at("beta_s_per_byte").get<double>()});
        }
        p.rate_model = rate_model_from_json(j.at("rate_model"));
        for (const auto& m : j.value("measurements", ojson::array()))
            p.measurements.push_back(case_from_json(m));
        for (const auto& h : j.value("held_out", ojson::array()))
            p.held_out.push_back({h.at("name").get<std::string>(), h.at("op").get<std::string>(),
                                  h.at("measured_s").get<double>(),
                                  h.at("predicted_s").get<double>()});
        for (const auto& s : j.value("held_out_summary", ojson::array()))
            p.held_out_summary.push_back({s.at("op").get<std::string>(), s.at("points").get<int>(),
                                          s.at("median_abs_error").get<double>(),
                                          s.at("p90_abs_error").get<double>()});
        p.planned = j.value("planned", std::vector<std::string>{});
        p.warnings = j.value("warnings", std::vector<std::string>{});
        if (j.contains("cluster")) p.cluster = j["cluster"];
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(std::string("malformed profile: ") + e.what());
    }
    return p;
}

DeviceProfile read_profile_file(const std::string& path) {
    const std::string text = read_file(path);
    ojson j;
    try {
        j = ojson::parse(text);
    } catch (const nlohmann::json::exception& e) {  // parse_error; out_of_range for 1e999
        throw UsageError("profile '" + path +
                         "' is not valid JSON (corrupt or truncated?): " + e.what());
    }
    try {
        return profile_from_json(j);
    } catch (const UsageError& e) {
        throw UsageError("profile '" + path + "': " + e.what());
    }
}

int profile_thread_count(const DeviceProfile& p) {
    for (const auto& m : p.measurements)
        if (m.threads > 0) return m.threads;
    int most = 0;
    for (const auto& c : p.ceilings) most = std::max(most, c.threads);
    return most;
}

void write_profile_file(const std::string& path, const DeviceProfile& p) {
    write_file_atomic(path, profile_to_json(p).dump(1) + "\n");
}

}  // namespace flopmeter
