#include <cuda_runtime_api.h>

#include <cstring>

#include "core/bf16.hpp"
#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/cuda_context.hpp"
#include "kernels/cuda/common/fill.hpp"
#include "kernels/cuda/common/host_float.hpp"

namespace flopmeter {

void decode_to_float(const void* src, GpuStorage t, std::int64_t n, float* dst) {
    switch (t) {
        case GpuStorage::f32:
            std::memcpy(dst, src, std::size_t(n) * 4);
            break;
        case GpuStorage::bf16: {
            const auto* s = static_cast<const std::uint16_t*>(src);
            for (std::int64_t i = 0; i < n; ++i) dst[i] = bf16::to_float(s[i]);
            break;
        }
        case GpuStorage::f16: {
            const auto* s = static_cast<const std::uint16_t*>(src);
            for (std::int64_t i = 0; i < n; ++i) dst[i] = cuda_host::fp16_to_float(s[i]);
            break;
        }
        case GpuStorage::e4m3: {
            const auto* s = static_cast<const std::uint8_t*>(src);
            for (std::int64_t i = 0; i < n; ++i) dst[i] = cuda_host::e4m3_to_float(s[i]);
            break;
        }
    }
}

std::vector<float> download_as_float(const void* dev, GpuStorage t, std::int64_t n) {
    std::vector<float> out(std::size_t(n > 0 ? n : 0));
    if (n <= 0) return out;
    const std::size_t bytes = std::size_t(n) * gpu_storage_size(t);
    // On the context's stream (non-blocking: a plain cudaMemcpy would not wait for its work).
    cudaStream_t s = cuda_context().stream;
    if (t == GpuStorage::f32) {
        FM_CUDA(cudaMemcpyAsync(out.data(), dev, bytes, cudaMemcpyDeviceToHost, s));
        FM_CUDA(cudaStreamSynchronize(s));
        return out;
    }
    std::vector<unsigned char> raw(bytes);
    FM_CUDA(cudaMemcpyAsync(raw.data(), dev, bytes, cudaMemcpyDeviceToHost, s));
    FM_CUDA(cudaStreamSynchronize(s));
    decode_to_float(raw.data(), t, n, out.data());
    return out;
}

}  // namespace flopmeter
