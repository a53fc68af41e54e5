// GPU roofline <-> JSON and the ceiling map; no CUDA needed (compiled in every build).
#include <algorithm>

#include "core/error.hpp"
#include "measure/cuda/roofline/cuda_roofline.hpp"

namespace flopmeter {

std::map<std::string, double> cuda_ceiling_map(const CudaRoofline& r) {
    std::map<std::string, double> m;
    for (const auto& c : r.ceilings) m[c.dtype] = std::max(m[c.dtype], c.flops_per_s);
    return m;
}

nlohmann::ordered_json cuda_roofline_to_json(const CudaRoofline& r) {
    nlohmann::ordered_json j;
    j["schema"] = kCudaRooflineSchema;
    j["schema_version"] = kCudaRooflineSchemaVersion;
    j["device"] = gpu_provenance_to_json(r.device);
    j["ceilings"] = nlohmann::ordered_json::array();
    for (const auto& c : r.ceilings)
        j["ceilings"].push_back({{"dtype", c.dtype},
                                 {"kind", c.kind},
                                 {"flops_per_s", c.flops_per_s},
                                 {"kernel", c.kernel},
                                 {"source", c.source},
                                 {"spread", c.spread}});
    j["bandwidth"] = nlohmann::ordered_json::array();
    for (const auto& b : r.bandwidth)
        j["bandwidth"].push_back({{"level", b.level},
                                  {"kernel", b.kernel},
                                  {"bytes_per_s", b.bytes_per_s},
                                  {"working_set_bytes", b.working_set},
                                  {"spread", b.spread}});
    return j;
}

CudaRoofline cuda_roofline_from_json(const nlohmann::ordered_json& j) {
    if (!j.is_object() || j.value("schema", "") != kCudaRooflineSchema)
        throw UsageError(std::string("not a flopmeter GPU roofline (expected \"schema\": \"") +
                         kCudaRooflineSchema + "\")");
    if (j.value("schema_version", 0) > kCudaRooflineSchemaVersion)
        throw UsageError(
            "GPU roofline has a newer schema_version than this flopmeter understands; upgrade "
            "flopmeter");
    CudaRoofline r;
    try {
        r.device = gpu_provenance_from_json(j.at("device"));
        for (const auto& c : j.at("ceilings")) {
            CudaCeiling x;
            x.dtype = c.at("dtype").get<std::string>();
            x.kind = c.at("kind").get<std::string>();
            x.flops_per_s = c.at("flops_per_s").get<double>();
            x.kernel = c.value("kernel", "");
            x.source = c.value("source", "");
            x.spread = c.value("spread", 0.0);
            r.ceilings.push_back(x);
        }
        for (const auto& b : j.at("bandwidth")) {
            CudaBandwidth x;
            x.level = b.value("level", "HBM");
            x.kernel = b.at("kernel").get<std::string>();
            x.bytes_per_s = b.at("bytes_per_s").get<double>();
            x.working_set = b.value("working_set_bytes", std::int64_t(0));
            x.spread = b.value("spread", 0.0);
            r.bandwidth.push_back(x);
        }
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(std::string("malformed GPU roofline: ") + e.what());
    }
    return r;
}

}  // namespace flopmeter
