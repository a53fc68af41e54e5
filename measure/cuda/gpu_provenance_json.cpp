// GPU provenance <-> JSON and version formatting; no CUDA needed (compiled in every build).
#include <cstdio>

#include "core/error.hpp"
#include "measure/cuda/gpu_provenance.hpp"

namespace flopmeter {

std::string cuda_version_text(int v) {
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

std::string cudnn_version_text(std::size_t v) {
    // cuDNN 9: major*10000 + minor*100 + patch; cuDNN 8: major*1000 + minor*100 + patch.
    if (v >= 90000)
        return std::to_string(v / 10000) + "." + std::to_string((v % 10000) / 100) + "." +
               std::to_string(v % 100);
    return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 100) + "." +
           std::to_string(v % 100);
}

std::string cublaslt_version_text(std::size_t v) {
    return std::to_string(v / 10000) + "." + std::to_string((v % 10000) / 100) + "." +
           std::to_string(v % 100);
}

std::string GpuProvenance::fingerprint() const {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s|cc%d.%d|sm%d|%lldGiB", name.c_str(), cc_major, cc_minor, sms,
                  static_cast<long long>((memory_bytes + (1ll << 29)) >> 30));
    // FNV-1a, as text: short and stable.
    std::uint64_t h = 1469598103934665603ull;
    for (const char* p = buf; *p; ++p) h = (h ^ std::uint8_t(*p)) * 1099511628211ull;
    char out[24];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
    return out;
}

nlohmann::ordered_json gpu_provenance_to_json(const GpuProvenance& g) {
    nlohmann::ordered_json j;
    j["name"] = g.name;
    j["uuid"] = g.uuid;
    j["pci_bus_id"] = g.pci_bus_id;
    j["compute_capability"] = std::to_string(g.cc_major) + "." + std::to_string(g.cc_minor);
    j["sms"] = g.sms;
    j["memory_bytes"] = g.memory_bytes;
    j["l2_bytes"] = g.l2_bytes;
    j["smem_per_block_optin"] = g.smem_per_block_optin;
    j["memory_bus_bits"] = g.memory_bus_bits;
    j["sm_clock_max_mhz"] = g.sm_clock_max_mhz;
    j["mem_clock_max_mhz"] = g.mem_clock_max_mhz;
    j["power_limit_w"] = g.power_limit_w;
    j["driver_version"] = g.driver_version;
    j["cuda_driver_api"] = g.cuda_driver_api;
    j["cuda_runtime"] = g.cuda_runtime;
    j["cublas"] = g.cublas;
    j["cublaslt"] = g.cublaslt;
    j["cudnn"] = g.cudnn;
    j["nvml"] = g.nvml;
    if (!g.nvml) j["nvml_reason"] = g.nvml_reason;
    j["fingerprint"] = g.fingerprint();
    return j;
}

GpuProvenance gpu_provenance_from_json(const nlohmann::ordered_json& j) {
    GpuProvenance g;
    try {
        g.name = j.at("name").get<std::string>();
        g.uuid = j.value("uuid", "");
        g.pci_bus_id = j.value("pci_bus_id", "");
        const std::string cc = j.at("compute_capability").get<std::string>();
        if (std::sscanf(cc.c_str(), "%d.%d", &g.cc_major, &g.cc_minor) != 2)
            throw UsageError("GPU provenance: bad compute_capability '" + cc + "'");
        g.sms = j.value("sms", 0);
        g.memory_bytes = j.value("memory_bytes", std::int64_t(0));
        g.l2_bytes = j.value("l2_bytes", std::int64_t(0));
        g.smem_per_block_optin = j.value("smem_per_block_optin", std::int64_t(0));
        g.memory_bus_bits = j.value("memory_bus_bits", 0);
        g.sm_clock_max_mhz = j.value("sm_clock_max_mhz", 0);
        g.mem_clock_max_mhz = j.value("mem_clock_max_mhz", 0);
        g.power_limit_w = j.value("power_limit_w", 0.0);
        g.driver_version = j.value("driver_version", "");
        g.cuda_driver_api = j.value("cuda_driver_api", "");
        g.cuda_runtime = j.value("cuda_runtime", "");
        g.cublas = j.value("cublas", "");
        g.cublaslt = j.value("cublaslt", "");
        g.cudnn = j.value("cudnn", "");
        g.nvml = j.value("nvml", false);
        g.nvml_reason = j.value("nvml_reason", "");
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(std::string("malformed GPU provenance: ") + e.what());
    }
    return g;
}

}  // namespace flopmeter
