#include "measure/cuda/gpu_provenance.hpp"

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include "kernels/cuda/common/cuda_device.hpp"
#include "measure/cuda/nvml.hpp"

namespace flopmeter {

namespace {

std::string cudnn_version() {
    for (const char* lib : {"libcudnn.so.9", "libcudnn.so.8", "libcudnn.so"}) {
        void* h = dlopen(lib, RTLD_LAZY | RTLD_LOCAL);
        if (!h) continue;
        using Fn = std::size_t (*)();
        auto fn = reinterpret_cast<Fn>(dlsym(h, "cudnnGetVersion"));
        const std::string v = fn ? cudnn_version_text(fn()) : std::string("unknown");
        dlclose(h);
        return v;
    }
    return "not found";
}

}  // namespace

GpuProvenance collect_gpu_provenance() {
    const CudaDeviceInfo& d = cuda_device();
    GpuProvenance g;
    g.name = d.name;
    g.uuid = d.uuid;
    g.pci_bus_id = d.pci_bus_id;
    g.cc_major = d.cc_major;
    g.cc_minor = d.cc_minor;
    g.sms = d.sms;
    g.memory_bytes = d.memory_bytes;
    g.l2_bytes = d.l2_bytes;
    g.smem_per_block_optin = d.smem_per_block_optin;
    g.memory_bus_bits = d.memory_bus_bits;
    g.sm_clock_max_mhz = d.clock_khz / 1000;
    g.mem_clock_max_mhz = d.memory_clock_khz / 1000;
    int v = 0;
    if (cudaDriverGetVersion(&v) == cudaSuccess) g.cuda_driver_api = cuda_version_text(v);
    if (cudaRuntimeGetVersion(&v) == cudaSuccess) g.cuda_runtime = cuda_version_text(v);
    int ma = 0, mi = 0, pa = 0;
    if (cublasGetProperty(MAJOR_VERSION, &ma) == CUBLAS_STATUS_SUCCESS &&
        cublasGetProperty(MINOR_VERSION, &mi) == CUBLAS_STATUS_SUCCESS &&
        cublasGetProperty(PATCH_LEVEL, &pa) == CUBLAS_STATUS_SUCCESS)
        g.cublas = std::to_string(ma) + "." + std::to_string(mi) + "." + std::to_string(pa);
    g.cublaslt = cublaslt_version_text(cublasLtGetVersion());
    g.cudnn = cudnn_version();

    Nvml& n = Nvml::instance();
    if (n.available() && (n.bound() || n.bind_device(d.uuid, d.pci_bus_id))) {
        g.nvml = true;
        g.driver_version = n.driver_version();
        if (auto c = n.max_sm_mhz()) g.sm_clock_max_mhz = int(*c);
        if (auto c = n.max_mem_mhz()) g.mem_clock_max_mhz = int(*c);
        if (auto p = n.power_limit_w()) g.power_limit_w = *p;
    } else {
        g.nvml_reason = n.reason();
    }
    if (g.driver_version.empty()) g.driver_version = "CUDA " + g.cuda_driver_api;
    return g;
}

}  // namespace flopmeter
