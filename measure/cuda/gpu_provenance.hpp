// What GPU a result was measured on, and with which software: recorded beside the CPU
// provenance (measure/provenance.hpp) in every GPU results file, and printed by
// `flopmeter cuda-info`.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace flopmeter {

struct GpuProvenance {
    std::string name, uuid, pci_bus_id;
    int cc_major = 0, cc_minor = 0;
    int sms = 0;
    std::int64_t memory_bytes = 0, l2_bytes = 0, smem_per_block_optin = 0;
    int memory_bus_bits = 0;
    // Clocks: NVML's maximum SM/memory clocks when NVML is there, else the CUDA attributes.
    int sm_clock_max_mhz = 0, mem_clock_max_mhz = 0;
    double power_limit_w = 0;    // 0 when unknown
    std::string driver_version;  // NVML's "580.95.05", else the CUDA driver API version
    std::string cuda_driver_api, cuda_runtime, cublas, cublaslt,
        cudnn;  // "13.0", ...; cudnn "not found" when absent
    bool nvml = false;
    std::string nvml_reason;  // why not, when !nvml

    // Stable identity for comparing runs: name, compute capability, SM count, memory size (GiB).
    std::string fingerprint() const;
};

// Requires a device (throws UnavailableError "no CUDA device: ...").
GpuProvenance collect_gpu_provenance();

nlohmann::ordered_json gpu_provenance_to_json(const GpuProvenance& g);
GpuProvenance gpu_provenance_from_json(const nlohmann::ordered_json& j);  // throws UsageError

// "13.0" from 13000 (CUDA's encoding), "9.1.0" from 90100 (cuDNN 9's), "13.0.2" from 130002.
std::string cuda_version_text(int v);
std::string cudnn_version_text(std::size_t v);
std::string cublaslt_version_text(std::size_t v);

}  // namespace flopmeter
