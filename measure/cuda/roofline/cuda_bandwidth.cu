// Device-memory bandwidth kernels: copy (16-byte loads and stores, four in flight per thread per
// step of a grid-stride loop) and triad a = b + s*c on float4s. Sized far beyond the L2 by the
// caller, so they measure HBM; bytes counted as STREAM does (read + written).
#include <cstdint>

#include "kernels/cuda/common/cuda_check.hpp"
#include "measure/cuda/roofline/cuda_roofline.hpp"

namespace flopmeter {

namespace {

constexpr int kThreads = 256, kIlp = 4;

__global__ void __launch_bounds__(kThreads)
    copy_kernel(uint4* __restrict__ dst, const uint4* __restrict__ src, std::int64_t n) {
    const std::int64_t stride = std::int64_t(gridDim.x) * kThreads;
    std::int64_t i = std::int64_t(blockIdx.x) * kThreads + threadIdx.x;
    for (; i + (kIlp - 1) * stride < n; i += kIlp * stride) {
        uint4 v[kIlp];
#pragma unroll
        for (int u = 0; u < kIlp; ++u) v[u] = src[i + u * stride];
#pragma unroll
        for (int u = 0; u < kIlp; ++u) dst[i + u * stride] = v[u];
    }
    for (; i < n; i += stride) dst[i] = src[i];
}

__global__ void __launch_bounds__(kThreads)
    triad_kernel(float4* __restrict__ a, const float4* __restrict__ b, const float4* __restrict__ c,
                 float s, std::int64_t n) {
    const std::int64_t stride = std::int64_t(gridDim.x) * kThreads;
    std::int64_t i = std::int64_t(blockIdx.x) * kThreads + threadIdx.x;
    for (; i + (kIlp - 1) * stride < n; i += kIlp * stride) {
        float4 x[kIlp], y[kIlp];
#pragma unroll
        for (int u = 0; u < kIlp; ++u) {
            x[u] = b[i + u * stride];
            y[u] = c[i + u * stride];
        }
#pragma unroll
        for (int u = 0; u < kIlp; ++u)
            a[i + u * stride] = make_float4(x[u].x + s * y[u].x, x[u].y + s * y[u].y,
                                            x[u].z + s * y[u].z, x[u].w + s * y[u].w);
    }
    for (; i < n; i += stride) {
        const float4 x = b[i], y = c[i];
        a[i] = make_float4(x.x + s * y.x, x.y + s * y.y, x.z + s * y.z, x.w + s * y.w);
    }
}

}  // namespace

void launch_copy_kernel(void* dst, const void* src, std::int64_t bytes, int blocks, void* stream) {
    copy_kernel<<<blocks, kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
        static_cast<uint4*>(dst), static_cast<const uint4*>(src), bytes / 16);
    cuda_check_launch("copy_kernel");
}

void launch_triad_kernel(float* a, const float* b, const float* c, float s, std::int64_t n,
                         int blocks, void* stream) {
    triad_kernel<<<blocks, kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
        reinterpret_cast<float4*>(a), reinterpret_cast<const float4*>(b),
        reinterpret_cast<const float4*>(c), s, n / 4);
    cuda_check_launch("triad_kernel");
}

}  // namespace flopmeter
