// The four bandwidth loops, templated on vector traits so each ISA file instantiates them with
// its own flags. n is a multiple of 8 * lanes (the caller sizes arrays so).
#pragma once

#include <cstdint>

namespace flopmeter {

template <class Vec>
double bw_read_body(const double* a, std::int64_t n) {
    using V = typename Vec::V;
    constexpr int L = Vec::lanes;
    V s0 = Vec::zero(), s1 = Vec::zero(), s2 = Vec::zero(), s3 = Vec::zero();
    for (std::int64_t i = 0; i < n; i += 4 * L) {
        s0 = Vec::add(s0, Vec::load(a + i));
        s1 = Vec::add(s1, Vec::load(a + i + L));
        s2 = Vec::add(s2, Vec::load(a + i + 2 * L));
        s3 = Vec::add(s3, Vec::load(a + i + 3 * L));
    }
    return Vec::sum(Vec::add(Vec::add(s0, s1), Vec::add(s2, s3)));
}

template <class Vec>
void bw_write_body(double* a, std::int64_t n, double v) {
    const auto x = Vec::set1(v);
    for (std::int64_t i = 0; i < n; i += Vec::lanes) Vec::store(a + i, x);
}

template <class Vec>
void bw_copy_body(double* a, const double* b, std::int64_t n) {
    for (std::int64_t i = 0; i < n; i += Vec::lanes) Vec::store(a + i, Vec::load(b + i));
}

template <class Vec>
void bw_triad_body(double* a, const double* b, const double* c, double s, std::int64_t n) {
    const auto vs = Vec::set1(s);
    for (std::int64_t i = 0; i < n; i += Vec::lanes)
        Vec::store(a + i, Vec::fmadd(vs, Vec::load(c + i), Vec::load(b + i)));
}

}  // namespace flopmeter
