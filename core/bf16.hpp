// bfloat16 storage type: the top 16 bits of an IEEE fp32. Conversion rounds to nearest even,
// as the hardware (vcvtneps2bf16) does, so packed data match what the kernels compute on.
#pragma once

#include <cstdint>
#include <cstring>

namespace flopmeter {

struct bf16 {
    std::uint16_t bits = 0;

    bf16() = default;
    explicit bf16(float f) : bits(from_float(f)) {}
    explicit operator float() const { return to_float(bits); }
    explicit operator double() const { return to_float(bits); }

    static std::uint16_t from_float(float f) {
        std::uint32_t u;
        std::memcpy(&u, &f, 4);
        if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu))  // NaN stays NaN
            return static_cast<std::uint16_t>((u >> 16) | 0x40u);
        u += 0x7fffu + ((u >> 16) & 1u);
        return static_cast<std::uint16_t>(u >> 16);
    }
    static float to_float(std::uint16_t b) {
        std::uint32_t u = std::uint32_t(b) << 16;
        float f;
        std::memcpy(&f, &u, 4);
        return f;
    }
};
static_assert(sizeof(bf16) == 2);

}  // namespace flopmeter
