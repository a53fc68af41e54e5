// gemm_reference: the naive triple loop, kept forever as the algorithmic reference.
//
// Templated on the input type In, the accumulator Acc and the output Out, so that
//  - the oracle runs with Acc = Out = double (validation),
//  - the counting-scalar test runs it with a type that tallies every + and *,
//  - the `reference` backend times it as a (slow) baseline.
// Arithmetic per element of C: K multiplies and K adds (acc = acc + a*b), then the epilogue
// c = alpha*acc + beta*c with only the operations that are needed (see core/flops.hpp).
// beta == 0 never reads C, so NaNs in an uninitialised C do not propagate (BLAS semantics).
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/gemm/gemm_problem.hpp"

namespace flopmeter {

template <class In, class Acc>
Acc gemm_reference_dot(Layout layout, std::int64_t i, std::int64_t j, std::int64_t k, const In* a,
                       std::int64_t lda, const In* b, std::int64_t ldb) {
    const bool ta = layout_trans_a(layout), tb = layout_trans_b(layout);
    Acc acc = Acc(0);
    for (std::int64_t p = 0; p < k; ++p) {
        const Acc x = Acc(ta ? a[p * lda + i] : a[i * lda + p]);
        const Acc y = Acc(tb ? b[j * ldb + p] : b[p * ldb + j]);
        acc = acc + x * y;
    }
    return acc;
}

// The reference dot product in double together with the sizes of its terms t_p = a_ip b_pj:
// sum |t_p| and sqrt(sum t_p^2), from which the CPU and GPU validations size their rounding
// bounds. `dot` is gemm_reference_dot<In, double>'s value, bit for bit.
struct GemmDotTerms {
    double dot = 0, abs_sum = 0, l2 = 0;
};

template <class In>
GemmDotTerms gemm_reference_dot_terms(Layout layout, std::int64_t i, std::int64_t j, std::int64_t k,
                                      const In* a, std::int64_t lda, const In* b,
                                      std::int64_t ldb) {
    const bool ta = layout_trans_a(layout), tb = layout_trans_b(layout);
    GemmDotTerms r;
    double sq = 0;
    for (std::int64_t p = 0; p < k; ++p) {
        const double t = double(ta ? a[p * lda + i] : a[i * lda + p]) *
                         double(tb ? b[j * ldb + p] : b[p * ldb + j]);
        r.dot = r.dot + t;
        r.abs_sum += t < 0 ? -t : t;
        sq += t * t;
    }
    r.l2 = std::sqrt(sq);
    return r;
}

template <class Acc, class Out>
Out gemm_reference_epilogue(Acc acc, double alpha, double beta, const Out& c_old) {
    Acc r = acc;
    if (alpha != 1.0) r = Acc(alpha) * r;
    if (beta != 0.0) r = r + Acc(beta) * Acc(c_old);
    return Out(r);
}

template <class In, class Acc, class Out>
void gemm_reference(Layout layout, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
                    const In* a, std::int64_t lda, const In* b, std::int64_t ldb, double beta,
                    Out* c, std::int64_t ldc) {
    for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j) {
            const Acc acc = gemm_reference_dot<In, Acc>(layout, i, j, k, a, lda, b, ldb);
            Out& out = c[i * ldc + j];
            out = gemm_reference_epilogue<Acc, Out>(acc, alpha, beta, beta != 0.0 ? out : Out(0));
        }
}

}  // namespace flopmeter
