// Is there a CUDA device, and what is it. Every GPU entry point calls require_cuda_device()
// first: on a machine without a GPU or driver it throws UnavailableError
// "no CUDA device: <reason>", which the CLI prints as one line with exit code 2.
#pragma once

#include <cstdint>
#include <string>

namespace flopmeter {

struct CudaDeviceStatus {
    bool available = false;
    int count = 0;
    std::string reason;  // why not, when !available
};

// Asks the runtime (statically linked, so this works without a driver) how many devices there
// are; never throws.
CudaDeviceStatus cuda_device_status();

// Throws UnavailableError("no CUDA device: ...") unless a device is usable.
void require_cuda_device();

// Facts about the device in use (device 0 of those visible; CUDA_VISIBLE_DEVICES selects).
struct CudaDeviceInfo {
    int index = 0;
    std::string name, pci_bus_id, uuid;  // uuid as "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    int cc_major = 0, cc_minor = 0;
    int sms = 0;
    std::int64_t l2_bytes = 0, smem_per_block_optin = 0, smem_per_sm = 0;
    std::int64_t memory_bytes = 0;
    int clock_khz = 0, memory_clock_khz = 0, memory_bus_bits = 0;  // 0 when the device does not say
    int max_threads_per_sm = 0, regs_per_sm = 0;
    bool bf16 = false, fp8 = false, wgmma = false;  // instruction support by compute capability
};

// Requires a device; cached after the first call.
const CudaDeviceInfo& cuda_device();

std::string format_cuda_uuid(const unsigned char bytes[16]);

}  // namespace flopmeter
