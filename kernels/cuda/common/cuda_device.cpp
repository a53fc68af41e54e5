#include "kernels/cuda/common/cuda_device.hpp"

#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <cstdio>
#include <mutex>

#include "kernels/cuda/common/cuda_check.hpp"

namespace flopmeter {

namespace {

bool driver_library_present() {
    void* h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!h) return false;
    dlclose(h);
    return true;
}

int attr(cudaDeviceAttr a, int dev) {
    int v = 0;
    if (cudaDeviceGetAttribute(&v, a, dev) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return v;
}

}  // namespace

CudaDeviceStatus cuda_device_status() {
    CudaDeviceStatus s;
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        cudaGetLastError();
        s.reason = cuda_error_text(e);
        if (e == cudaErrorInsufficientDriver && !driver_library_present())
            s.reason += " (no NVIDIA driver: libcuda.so.1 not found)";
        return s;
    }
    s.count = n;
    if (n == 0) {
        s.reason = "the CUDA runtime found no CUDA-capable device";
        return s;
    }
    s.available = true;
    return s;
}

void require_cuda_device() {
    static std::once_flag once;
    static CudaDeviceStatus status;
    std::call_once(once, [] { status = cuda_device_status(); });
    if (!status.available) throw UnavailableError("no CUDA device: " + status.reason);
}

std::string format_cuda_uuid(const unsigned char b[16]) {
    char buf[64];
    std::snprintf(buf, sizeof buf,
                  "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return buf;
}

const CudaDeviceInfo& cuda_device() {
    require_cuda_device();
    static std::once_flag once;
    static CudaDeviceInfo info;
    static std::string error;
    std::call_once(once, [] {
        try {
            int dev = 0;
            FM_CUDA(cudaSetDevice(dev));
            cudaDeviceProp p{};
            FM_CUDA(cudaGetDeviceProperties(&p, dev));
            CudaDeviceInfo d;
            d.index = dev;
            d.name = p.name;
            char bus[32] = {};
            if (cudaDeviceGetPCIBusId(bus, sizeof bus, dev) == cudaSuccess) d.pci_bus_id = bus;
            d.uuid = format_cuda_uuid(reinterpret_cast<const unsigned char*>(p.uuid.bytes));
            d.cc_major = p.major;
            d.cc_minor = p.minor;
            d.sms = p.multiProcessorCount;
            d.l2_bytes = attr(cudaDevAttrL2CacheSize, dev);
            d.smem_per_block_optin = attr(cudaDevAttrMaxSharedMemoryPerBlockOptin, dev);
            d.smem_per_sm = attr(cudaDevAttrMaxSharedMemoryPerMultiprocessor, dev);
            d.memory_bytes = std::int64_t(p.totalGlobalMem);
            d.clock_khz = attr(cudaDevAttrClockRate, dev);
            d.memory_clock_khz = attr(cudaDevAttrMemoryClockRate, dev);
            d.memory_bus_bits = attr(cudaDevAttrGlobalMemoryBusWidth, dev);
            d.max_threads_per_sm = attr(cudaDevAttrMaxThreadsPerMultiProcessor, dev);
            d.regs_per_sm = attr(cudaDevAttrMaxRegistersPerMultiprocessor, dev);
            const int cc = d.cc_major * 10 + d.cc_minor;
            d.bf16 = cc >= 80;
            d.fp8 = cc >= 89;
            d.wgmma = cc == 90;  // sm_90a only: arch-specific, not carried to later GPUs
            info = d;
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    if (!error.empty()) throw UnavailableError(error);
    return info;
}

}  // namespace flopmeter
