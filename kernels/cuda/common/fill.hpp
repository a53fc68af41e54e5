// Test data on the device: a counter-based generator (one hash per element, so filling a
// buffer of any size is one pass on the GPU and the values do not depend on the launch shape),
// and copies back to the host decoded to float for validation.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "kernels/cuda/common/gpu_storage.hpp"
#include "kernels/cuda/common/hd.hpp"

namespace flopmeter {

// splitmix64 of (seed, i) -> uniform in [0, 1) with 24 random bits.
FM_HD inline float uniform01_from_index(std::uint64_t seed, std::uint64_t i) {
    std::uint64_t z = seed * 0x9e3779b97f4a7c15ull + (i + 1) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return float(z >> 40) * (1.0f / 16777216.0f);
}

// Fills n elements with values uniform in [lo, hi), rounded to the storage format (nearest even;
// e4m3 saturating). Asynchronous on `stream`.
void fill_uniform_device(void* dev, GpuStorage t, std::int64_t n, std::uint64_t seed, float lo,
                         float hi, cudaStream_t stream);

// Synchronous copy of n elements to the host, decoded to float.
std::vector<float> download_as_float(const void* dev, GpuStorage t, std::int64_t n);

// Decodes host bytes of a storage format to float.
void decode_to_float(const void* src, GpuStorage t, std::int64_t n, float* dst);

}  // namespace flopmeter
