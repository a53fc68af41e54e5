// Element formats of device arrays (what kernels read and write), with host decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flopmeter {

enum class GpuStorage { f32, bf16, f16, e4m3 };

constexpr std::size_t gpu_storage_size(GpuStorage s) {
    switch (s) {
        case GpuStorage::f32:
            return 4;
        case GpuStorage::bf16:
            return 2;
        case GpuStorage::f16:
            return 2;
        case GpuStorage::e4m3:
            return 1;
    }
    return 0;
}

constexpr std::string_view gpu_storage_name(GpuStorage s) {
    switch (s) {
        case GpuStorage::f32:
            return "fp32";
        case GpuStorage::bf16:
            return "bf16";
        case GpuStorage::f16:
            return "fp16";
        case GpuStorage::e4m3:
            return "fp8e4m3";
    }
    return "?";
}

// Unit roundoff of a storage format (relative error of rounding to nearest).
constexpr double gpu_storage_unit_roundoff(GpuStorage s) {
    switch (s) {
        case GpuStorage::f32:
            return 5.9604644775390625e-8;  // 2^-24
        case GpuStorage::bf16:
            return 0.00390625;  // 2^-8
        case GpuStorage::f16:
            return 0.00048828125;  // 2^-11
        case GpuStorage::e4m3:
            return 0.0625;  // 2^-4
    }
    return 1.0;
}

}  // namespace flopmeter
