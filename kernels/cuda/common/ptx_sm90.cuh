// Hopper (sm_90a) building blocks: mbarriers, the bulk tensor copy engine (TMA), wgmma
// fences and shared-memory matrix descriptors, register reallocation. Only compiled into
// code guarded by FM_SM90A (kernels built for other targets get an empty body).
#pragma once

#include <cstdint>

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define FM_SM90A 1
#endif

namespace flopmeter::ptx90 {

#ifdef FM_SM90A

__device__ __forceinline__ void mbar_init(std::uint32_t bar, std::uint32_t count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
// Makes the initialised barriers visible to the async proxy (TMA) and the other threads.
__device__ __forceinline__ void mbar_fence_init() {
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
}

__device__ __forceinline__ void mbar_arrive_expect_tx(std::uint32_t bar, std::uint32_t bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes)
                 : "memory");
}
__device__ __forceinline__ void mbar_arrive(std::uint32_t bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
// Waits until the phase with the given parity has completed. A fresh barrier is in phase 0,
// so waiting for parity 1 returns at once (the "previous" phase counts as complete).
__device__ __forceinline__ void mbar_wait(std::uint32_t bar, std::uint32_t parity) {
    std::uint32_t done = 0;
    do {
        asm volatile(
            "{\n"
            ".reg .pred p;\n"
            "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
            "selp.u32 %0, 1, 0, p;\n"
            "}\n"
            : "=r"(done)
            : "r"(bar), "r"(parity)
            : "memory");
    } while (!done);
}

// 2-D tile load: box at coordinates (c0 innermost, c1) of the tensor map into shared memory,
// completing `bar`'s transaction count by the box's bytes.
__device__ __forceinline__ void tma_load_2d(std::uint32_t dst, const void* tmap, std::int32_t c0,
                                            std::int32_t c1, std::uint32_t bar) {
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, "
        "{%2, %3}], [%4];\n" ::"r"(dst),
        "l"(reinterpret_cast<std::uint64_t>(tmap)), "r"(c0), "r"(c1), "r"(bar)
        : "memory");
}

__device__ __forceinline__ void wgmma_fence() {
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}
__device__ __forceinline__ void wgmma_commit() {
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}
template <int N>
__device__ __forceinline__ void wgmma_wait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

template <int N>
__device__ __forceinline__ void setmaxnreg_inc() {
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(N));
}
template <int N>
__device__ __forceinline__ void setmaxnreg_dec() {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(N));
}

#endif  // FM_SM90A

// Shared-memory matrix descriptor for wgmma with the 128-byte swizzle (the layout TMA writes
// with CU_TENSOR_MAP_SWIZZLE_128B): start address, leading- and stride-dimension byte offsets
// (each >> 4, 14 bits), swizzle mode 1 (128B) in bits 62-63. Atom bases must be 1024-aligned.
//   K-major operand:  LBO unused (1), SBO = bytes between 8-row groups (1024 for 128-byte rows)
//   MN-major operand: LBO = bytes between 64-element atoms along M/N, SBO = bytes between
//                     8-row (k) groups (1024)
// FM_HD-style plain function so the CPU test can check the bit packing.
// clang-format off
#if defined(__CUDACC__)
__host__ __device__
#endif
inline constexpr std::uint64_t sw128_desc(std::uint32_t smem_addr, std::uint32_t lbo_bytes,
                                          std::uint32_t sbo_bytes) {
    // clang-format on
    return std::uint64_t((smem_addr & 0x3ffffu) >> 4) |
           (std::uint64_t((lbo_bytes & 0x3ffffu) >> 4) << 16) |
           (std::uint64_t((sbo_bytes & 0x3ffffu) >> 4) << 32) | (std::uint64_t(1) << 62);
}

}  // namespace flopmeter::ptx90
