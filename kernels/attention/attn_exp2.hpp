// Coefficients of the polynomial the vector exp2 uses for 2^f, |f| <= 1/2, degree 5: a
// near-minimax fit of the relative error (iteratively reweighted least squares on a dense grid,
// computed for flopmeter in 40-digit arithmetic), max relative error 7.5e-8 before fp32
// rounding of the evaluation; tests/test_attention_kernels.cpp checks the vector versions
// against std::exp2 over the whole range the kernels use.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace flopmeter::attn {

inline constexpr float kExp2C0 = 1.000000072e+00f;
inline constexpr float kExp2C1 = 6.931469669e-01f;
inline constexpr float kExp2C2 = 2.402211928e-01f;
inline constexpr float kExp2C3 = 5.550713314e-02f;
inline constexpr float kExp2C4 = 9.675566146e-03f;
inline constexpr float kExp2C5 = 1.327653884e-03f;

inline constexpr float kLog2e = 1.4426950408889634f;
inline constexpr float kLn2 = 0.6931471805599453f;

// Scalar version of the same evaluation (generic kernels): x clamped to [-126, 64] so 2^n is a
// normal number built from its exponent bits; below -126 the result is at most 1.2e-38, which
// the kernels' explicit masks never rely on.
inline float exp2_poly(float x) {
    if (!(x >= -126.0f)) x = -126.0f;  // also maps NaN and -inf to the clamp
    if (x > 64.0f) x = 64.0f;
    const float n = std::nearbyint(x);
    const float f = x - n;
    float p = kExp2C5;
    p = p * f + kExp2C4;
    p = p * f + kExp2C3;
    p = p * f + kExp2C2;
    p = p * f + kExp2C1;
    p = p * f + kExp2C0;
    const std::uint32_t bits = std::uint32_t(std::int32_t(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, 4);
    return p * scale;
}

}  // namespace flopmeter::attn
