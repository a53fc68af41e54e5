// Host-side fp16 (IEEE binary16) and fp8 e4m3 (OCP FP8, as NVIDIA's __nv_fp8_e4m3) codecs.
// The GPU kernels read these formats; the host decodes device data for validation and encodes
// test inputs. Both encoders round to nearest even; e4m3 saturates to +-448 like the device's
// __NV_SATFINITE conversion (e4m3 has no infinity; S.1111.111 is NaN).
// bf16 lives in core/bf16.hpp.
#pragma once

#include <cstdint>
#include <cstring>

namespace flopmeter::cuda_host {

inline std::uint32_t float_bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline float bits_float(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// Rounds m / 2^shift to the nearest integer, ties to even (shift >= 1).
inline std::uint32_t round_shift_rne(std::uint32_t m, int shift) {
    if (shift >= 32) return 0;
    const std::uint32_t q = m >> shift, rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1);
    return q + ((rem > half || (rem == half && (q & 1u))) ? 1u : 0u);
}

inline std::uint16_t fp16_from_float(float f) {
    const std::uint32_t x = float_bits(f);
    const std::uint16_t sign = std::uint16_t((x >> 16) & 0x8000u);
    const std::uint32_t a = x & 0x7fffffffu;
    if (a >= 0x7f800000u)
        return std::uint16_t(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u));  // inf, NaN
    const int e = int(a >> 23);  // biased float exponent
    const std::uint32_t m23 = a & 0x7fffffu;
    if (e >= 113) {  // normal in fp16 (value >= 2^-14)
        // Exponent and mantissa side by side, so a carry out of the mantissa bumps the exponent.
        std::uint32_t v = (std::uint32_t(e - 112) << 10) | (m23 >> 13);
        const std::uint32_t rem = m23 & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (v & 1u))) ++v;
        if (v >= 0x7c00u) return std::uint16_t(sign | 0x7c00u);  // overflow to infinity
        return std::uint16_t(sign | v);
    }
    // Subnormal (or zero) in fp16: units of 2^-24.
    const std::uint32_t m = m23 | (e ? 0x800000u : 0u);
    const int shift = 126 - e;  // value = m * 2^(e-150) = k * 2^-24
    return std::uint16_t(sign | round_shift_rne(m, shift > 31 ? 32 : shift));
}

inline float fp16_to_float(std::uint16_t h) {
    const std::uint32_t sign = std::uint32_t(h & 0x8000u) << 16;
    const std::uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0x1f) return bits_float(sign | 0x7f800000u | (m << 13));
    if (e == 0) {  // subnormal: m * 2^-24, exact in float
        const float v = float(m) * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    return bits_float(sign | ((e + 112u) << 23) | (m << 13));
}

inline constexpr std::uint8_t kE4m3Nan = 0x7f;
inline constexpr float kE4m3Max = 448.0f;

inline std::uint8_t e4m3_from_float(float f) {
    const std::uint32_t x = float_bits(f);
    const std::uint8_t sign = std::uint8_t((x >> 24) & 0x80u);
    const std::uint32_t a = x & 0x7fffffffu;
    if (a > 0x7f800000u) return std::uint8_t(sign | kE4m3Nan);
    if (a >= 0x43e00000u) return std::uint8_t(sign | 0x7eu);  // >= 448 (and inf): saturate
    const int e = int(a >> 23);
    const std::uint32_t m23 = a & 0x7fffffu;
    if (e >= 121) {  // normal in e4m3 (value >= 2^-6)
        std::uint32_t v = (std::uint32_t(e - 120) << 3) | (m23 >> 20);
        const std::uint32_t rem = m23 & 0xfffffu;
        if (rem > 0x80000u || (rem == 0x80000u && (v & 1u))) ++v;
        if (v > 0x7eu) v = 0x7eu;  // 464..480 would round to the NaN code: saturate
        return std::uint8_t(sign | v);
    }
    const std::uint32_t m = m23 | (e ? 0x800000u : 0u);
    const int shift = 141 - e;  // value = k * 2^-9
    return std::uint8_t(sign | round_shift_rne(m, shift > 31 ? 32 : shift));
}

inline float e4m3_to_float(std::uint8_t b) {
    const bool neg = b & 0x80u;
    const int e = (b >> 3) & 0xf, m = b & 7;
    float v;
    if (e == 15 && m == 7) {
        v = bits_float(0x7fc00000u);
    } else if (e == 0) {
        v = float(m) * 0.001953125f;  // m * 2^-9
    } else {
        v = bits_float(std::uint32_t(e + 120) << 23 | std::uint32_t(m) << 20);
    }
    return neg ? -v : v;
}

}  // namespace flopmeter::cuda_host
