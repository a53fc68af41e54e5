// Benchmark operands on the host from a counter-based generator (splitmix64 of seed and
// index): uniform in [-1, 1) with 24 random bits, or bell-shaped about N(0, 1); about one
// nanosecond an element. A std::mt19937_64 with a distribution cost several times that, which
// for the calibration's gigabytes of operands was seconds of set-up. A value depends only on
// (seed, index), so a buffer is the same however it is filled.
#pragma once

#include <cstdint>

#include "core/bf16.hpp"

namespace flopmeter {

inline float uniform_pm1_at(std::uint64_t seed, std::uint64_t i) {
    std::uint64_t z = seed * 0x9e3779b97f4a7c15ull + (i + 1) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return float(std::int32_t(z >> 40) - (1 << 23)) * (1.0f / 8388608.0f);  // [-1, 1), step 2^-23
}

// About N(0, 1): the sum of four 16-bit uniforms from one hash (Irwin-Hall, n = 4), centred
// and scaled to unit variance; bell-shaped, tails cut at +-3.46. For test weights, several
// times cheaper than std::normal_distribution.
inline float bell_at(std::uint64_t seed, std::uint64_t i) {
    std::uint64_t z = seed * 0x9e3779b97f4a7c15ull + (i + 1) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    const float sum =
        float((z & 0xffff) + ((z >> 16) & 0xffff) + ((z >> 32) & 0xffff) + (z >> 48)) +
        2.0f;  // 4 uniforms on [0, 65536), each centred in its cell
    return (sum * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;  // (sum - mean) / sd, sd = sqrt(4 / 12)
}

inline void fill_uniform_pm1(float* p, std::int64_t n, std::uint64_t seed) {
    for (std::int64_t i = 0; i < n; ++i) p[i] = uniform_pm1_at(seed, std::uint64_t(i));
}
inline void fill_uniform_pm1(double* p, std::int64_t n, std::uint64_t seed) {
    for (std::int64_t i = 0; i < n; ++i) p[i] = double(uniform_pm1_at(seed, std::uint64_t(i)));
}
inline void fill_uniform_pm1(bf16* p, std::int64_t n, std::uint64_t seed) {
    for (std::int64_t i = 0; i < n; ++i) p[i] = bf16(uniform_pm1_at(seed, std::uint64_t(i)));
}

}  // namespace flopmeter
