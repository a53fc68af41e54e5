// A scalar that tallies every multiply, add and fused multiply-add done on it (and exp, log,
// division and max, for softmax), so a templated kernel run on it proves its FLOP count
// against core/flops.hpp.
#pragma once

#include <cmath>
#include <cstdint>

namespace flopmeter::test {

struct OpCounts {
    std::uint64_t mul = 0, add = 0, fma = 0, exp = 0, div = 0, max = 0, log = 0;
};

inline OpCounts& op_counts() {
    static thread_local OpCounts c;
    return c;
}

struct Counted {
    double v = 0;
    Counted() = default;
    Counted(double x) : v(x) {}  // NOLINT: implicit, like a built-in scalar
    explicit operator double() const { return v; }
    explicit operator float() const { return float(v); }
};

inline Counted operator*(Counted a, Counted b) {
    ++op_counts().mul;
    return Counted(a.v * b.v);
}
inline Counted operator+(Counted a, Counted b) {
    ++op_counts().add;
    return Counted(a.v + b.v);
}
inline Counted operator-(Counted a, Counted b) {
    ++op_counts().add;
    return Counted(a.v - b.v);
}
inline Counted& operator+=(Counted& a, Counted b) {
    return a = a + b;
}
inline Counted fma(Counted a, Counted b, Counted c) {
    ++op_counts().fma;
    return Counted(a.v * b.v + c.v);
}
inline Counted operator/(Counted a, Counted b) {
    ++op_counts().div;
    return Counted(a.v / b.v);
}
inline Counted exp(Counted a) {
    ++op_counts().exp;
    return Counted(std::exp(a.v));
}
inline Counted log(Counted a) {
    ++op_counts().log;
    return Counted(std::log(a.v));
}
inline Counted max(Counted a, Counted b) {
    ++op_counts().max;
    return Counted(a.v < b.v ? b.v : a.v);
}
inline bool operator<(Counted a, Counted b) {
    return a.v < b.v;
}
inline bool operator==(Counted a, Counted b) {
    return a.v == b.v;
}

}  // namespace flopmeter::test
