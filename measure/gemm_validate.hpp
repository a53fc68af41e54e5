// Checks a GEMM backend's output against the double-accumulation oracle (gemm_reference.hpp).
//
// Tolerance per element: |c - ref| <= f * u * sqrt(K + 2) * (|alpha| sum_p |a_ip b_pj| + |beta
// c_ij|) with u the accumulator's unit roundoff (fp32: 2^-24, fp64: 2^-53; bf16 inputs accumulate
// in fp32) and f = 16 (32 for bf16). A probabilistic bound on rounding in any summation order,
// yet tight enough that a single dropped k term at K = 4096 fails.
// Small problems (<= 64Ki outputs and <= 2^25 multiply-adds) are checked entirely; larger ones on
// their edges (first/last rows and columns, where tiling bugs live) plus 4096 random entries.
#pragma once

#include <utility>
#include <vector>

#include <cstdint>
#include <string>

#include "kernels/gemm/gemm_problem.hpp"
#include "kernels/gemm/gemm_reference.hpp"

namespace flopmeter {

struct ValidationReport {
    bool passed = false;
    double max_error_ratio = 0;  // max over checked entries of |error| / bound
    std::int64_t checked = 0;
    std::string detail;  // first failing entry, or a one-line summary
};

double gemm_tolerance_factor(DType dtype);  // f * u

// Largest m n k checked entirely: a full check of a 16 x 4096 x 4096 product in double cost more
// than timing it, while its edges and 4096 random entries catch the same tiling bugs.
constexpr double kGemmFullCheckMacs = double(1 << 25);

// The C entries checked: all of them up to 64Ki entries and kGemmFullCheckMacs multiply-adds,
// else the first and last rows and columns (up to 1024 points each, evenly spread) plus 4096
// random entries (fixed seed).
std::vector<std::pair<std::int64_t, std::int64_t>> gemm_check_points(std::int64_t m, std::int64_t n,
                                                                     std::int64_t k);

// The oracle's dot products (and their terms' sizes) at gemm_check_points(m, n, k), computed
// from ops.a and ops.b: they depend on the inputs only, so a caller that knows its inputs
// unchanged (the shared read-only operand streams) may keep them and check later outputs
// against them. Empty for a dtype without an oracle.
std::vector<GemmDotTerms> gemm_reference_terms(const GemmProblem& p, const GemmOperands& ops);

// c_before: C's contents before the call (read when beta != 0); c_after: the output. `terms`:
// gemm_reference_terms(p, ops) when the caller has them, else computed here.
ValidationReport validate_gemm(const GemmProblem& p, const GemmOperands& ops, const void* c_before,
                               const void* c_after,
                               const std::vector<GemmDotTerms>* terms = nullptr);

}  // namespace flopmeter
