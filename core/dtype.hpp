// Storage data types and their names. Sizes in bytes per element.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace flopmeter {

enum class DType { fp32, fp64, bf16, fp16 };

constexpr std::size_t dtype_size(DType t) {
    switch (t) {
        case DType::fp32:
            return 4;
        case DType::fp64:
            return 8;
        case DType::bf16:
            return 2;
        case DType::fp16:
            return 2;
    }
    return 0;
}

constexpr std::string_view dtype_name(DType t) {
    switch (t) {
        case DType::fp32:
            return "fp32";
        case DType::fp64:
            return "fp64";
        case DType::bf16:
            return "bf16";
        case DType::fp16:
            return "fp16";
    }
    return "?";
}

inline std::optional<DType> parse_dtype(std::string_view s) {
    for (DType t : {DType::fp32, DType::fp64, DType::bf16, DType::fp16})
        if (s == dtype_name(t)) return t;
    return std::nullopt;
}

}  // namespace flopmeter
