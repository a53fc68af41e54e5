// fill_uniform_device: one grid-stride pass, a hash per element (fill.hpp).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/fill.hpp"

namespace flopmeter {

namespace {

template <class T>
__device__ T convert_from_float(float v);
template <>
__device__ float convert_from_float<float>(float v) {
    return v;
}
template <>
__device__ __nv_bfloat16 convert_from_float<__nv_bfloat16>(float v) {
    return __float2bfloat16_rn(v);
}
template <>
__device__ __half convert_from_float<__half>(float v) {
    return __float2half_rn(v);
}
template <>
__device__ __nv_fp8_e4m3 convert_from_float<__nv_fp8_e4m3>(float v) {
    return __nv_fp8_e4m3(v);  // round to nearest even, saturating to +-448
}

template <class T>
__global__ void fill_uniform_kernel(T* p, std::int64_t n, std::uint64_t seed, float lo,
                                    float scale) {
    const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
    for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
        p[i] = convert_from_float<T>(lo + scale * uniform01_from_index(seed, std::uint64_t(i)));
}

template <class T>
void launch(void* dev, std::int64_t n, std::uint64_t seed, float lo, float hi, cudaStream_t s) {
    const std::int64_t blocks64 = (n + 255) / 256;
    const unsigned blocks = unsigned(blocks64 < 65536 ? (blocks64 > 0 ? blocks64 : 1) : 65536);
    fill_uniform_kernel<T><<<blocks, 256, 0, s>>>(static_cast<T*>(dev), n, seed, lo, hi - lo);
}

}  // namespace

void fill_uniform_device(void* dev, GpuStorage t, std::int64_t n, std::uint64_t seed, float lo,
                         float hi, cudaStream_t stream) {
    if (n <= 0) return;
    switch (t) {
        case GpuStorage::f32:
            launch<float>(dev, n, seed, lo, hi, stream);
            break;
        case GpuStorage::bf16:
            launch<__nv_bfloat16>(dev, n, seed, lo, hi, stream);
            break;
        case GpuStorage::f16:
            launch<__half>(dev, n, seed, lo, hi, stream);
            break;
        case GpuStorage::e4m3:
            launch<__nv_fp8_e4m3>(dev, n, seed, lo, hi, stream);
            break;
    }
    cuda_check_launch("fill_uniform_kernel");
}

}  // namespace flopmeter
