// GEMM problem description shared by every backend: plain structs, no behaviour.
//
// Row-major storage throughout. C (M x N) = alpha * op(A) * op(B) + beta * C, where
//   layout nn: A is M x K, B is K x N
//   layout nt: A is M x K, B is stored N x K (B transposed)
//   layout tn: A is stored K x M (A transposed), B is K x N
// These are the three products of a training step for Y = X W (X tokens x in, W in x out):
// forward Y = X W (nn), data gradient dX = dY W^T (nt), weight gradient dW = X^T dY (tn).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/dtype.hpp"

namespace flopmeter {

enum class Layout { nn, nt, tn };

constexpr std::string_view layout_name(Layout l) {
    switch (l) {
        case Layout::nn:
            return "nn";
        case Layout::nt:
            return "nt";
        case Layout::tn:
            return "tn";
    }
    return "?";
}

inline std::optional<Layout> parse_layout(std::string_view s) {
    for (Layout l : {Layout::nn, Layout::nt, Layout::tn})
        if (s == layout_name(l)) return l;
    return std::nullopt;
}

constexpr bool layout_trans_a(Layout l) {
    return l == Layout::tn;
}
constexpr bool layout_trans_b(Layout l) {
    return l == Layout::nt;
}

struct GemmProblem {
    std::int64_t m = 0, n = 0, k = 0;
    Layout layout = Layout::nn;
    DType dtype = DType::fp32;  // input (A, B) dtype
    double alpha = 1.0, beta = 0.0;
};

// C's dtype: the input dtype, except low-precision inputs accumulate into and store fp32.
constexpr DType gemm_c_dtype(DType in) {
    return (in == DType::bf16 || in == DType::fp16) ? DType::fp32 : in;
}

// Tight leading dimensions for row-major storage in the problem's layout.
constexpr std::int64_t gemm_lda(const GemmProblem& p) {
    return layout_trans_a(p.layout) ? p.m : p.k;
}
constexpr std::int64_t gemm_ldb(const GemmProblem& p) {
    return layout_trans_b(p.layout) ? p.k : p.n;
}
constexpr std::int64_t gemm_ldc(const GemmProblem& p) {
    return p.n;
}

// Pointers to the operands; their element types follow GemmProblem::dtype and gemm_c_dtype.
struct GemmOperands {
    const void* a = nullptr;
    const void* b = nullptr;
    void* c = nullptr;
    std::int64_t lda = 0, ldb = 0, ldc = 0;
};

// Bytes the three operands occupy (A, B, C), as a double so huge shapes cannot overflow.
double gemm_footprint_bytes(const GemmProblem& p);

// Throws UsageError naming what is wrong: sizes <= 0, sizes whose element counts overflow
// 64-bit indexing, non-finite alpha/beta, or operands that do not fit in this machine's memory.
void check_gemm_problem(const GemmProblem& p);

// The same checks without the memory one: for a shape that is only predicted, never allocated.
void check_gemm_shape(const GemmProblem& p);

std::string describe(const GemmProblem& p);  // "fp32 nn 2048x2048x2048"

}  // namespace flopmeter
