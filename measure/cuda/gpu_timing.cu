// Device side of gpu_timing.hpp: the spinning blocking kernel and the L2 scrub.
#include <cstdint>

#include "kernels/cuda/common/cuda_check.hpp"
#include "measure/cuda/gpu_timing.hpp"

namespace flopmeter {

namespace {

__device__ __forceinline__ std::uint64_t global_ns() {
    std::uint64_t t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}

__global__ void spin_wait_kernel(const volatile int* flag, volatile int* timed_out,
                                 std::uint64_t timeout_ns) {
    const std::uint64_t t0 = global_ns();
    while (*flag == 0) {
        if (global_ns() - t0 > timeout_ns) {
            *timed_out = 1;
            break;
        }
        __nanosleep(1000);
    }
}

// Reads every 16-byte word of the buffer; the XOR lands in `sink` only when it equals a value
// it never has in practice, so the loads stay and nothing is written.
__global__ void l2_scrub_kernel(const uint4* p, std::int64_t n, unsigned* sink) {
    unsigned x = 0;
    const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
    for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const uint4 v = p[i];
        x ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (x == 0x9e3779b9u) *sink = x;
}

}  // namespace

void launch_spin_wait(const volatile int* flag, volatile int* timed_out, std::uint64_t timeout_ns,
                      cudaStream_t s) {
    spin_wait_kernel<<<1, 1, 0, s>>>(flag, timed_out, timeout_ns);
    cuda_check_launch("spin_wait_kernel");
}

void launch_l2_scrub(const void* buf, std::int64_t bytes, unsigned* sink, cudaStream_t s) {
    const std::int64_t n = bytes / 16;
    l2_scrub_kernel<<<1024, 256, 0, s>>>(static_cast<const uint4*>(buf), n, sink);
    cuda_check_launch("l2_scrub_kernel");
}

}  // namespace flopmeter
