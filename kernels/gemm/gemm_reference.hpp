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

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

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

// The reference dot products of a set of entries (i, j) of C in double, together with the
// sizes of their terms t_p = a_ip b_pj: sum |t_p| and sqrt(sum t_p^2), from which the CPU and
// GPU validations size their rounding bounds. Each `dot` is gemm_reference_dot<In, double>'s
// value bit for bit (same order p = 0..k-1), but p runs in the outer loop over blocks of
// entries: each step reads one row (or column) of A and B at the checked indices, so the
// operands stream through the cache instead of one strided walk per entry, and the blocks are
// independent, so the CPU's cores share them (the oracle is never timed).
struct GemmDotTerms {
    double dot = 0, abs_sum = 0, l2 = 0;
};

template <class In>
std::vector<GemmDotTerms> gemm_reference_dot_terms(
    Layout layout, std::int64_t k, const In* a, std::int64_t lda, const In* b, std::int64_t ldb,
    const std::vector<std::pair<std::int64_t, std::int64_t>>& pts) {
    const bool ta = layout_trans_a(layout), tb = layout_trans_b(layout);
    const std::size_t n = pts.size();
    std::vector<GemmDotTerms> r(n);
    std::vector<double> sq(n, 0.0);
    std::vector<std::int64_t> ao(n), bo(n);  // offsets of each entry's A row / B column at p = 0
    for (std::size_t t = 0; t < n; ++t) {
        ao[t] = ta ? pts[t].first : pts[t].first * lda;
        bo[t] = tb ? pts[t].second * ldb : pts[t].second;
    }
    const std::int64_t as = ta ? lda : 1, bs = tb ? 1 : ldb;
    constexpr std::size_t kBlock = 2048;  // sums and offsets of a block stay in L2 over all of K
    const std::size_t blocks = (n + kBlock - 1) / kBlock;
    auto run_blocks = [&](std::size_t first, std::size_t step) {
        for (std::size_t blk = first; blk < blocks; blk += step) {
            const std::size_t t0 = blk * kBlock, t1 = std::min(n, t0 + kBlock);
            for (std::int64_t p = 0; p < k; ++p) {
                const In* ap = a + p * as;
                const In* bp = b + p * bs;
                for (std::size_t t = t0; t < t1; ++t) {
                    const double x = double(ap[ao[t]]) * double(bp[bo[t]]);
                    r[t].dot = r[t].dot + x;
                    r[t].abs_sum += x < 0 ? -x : x;
                    sq[t] += x * x;
                }
            }
        }
    };
    const std::size_t helpers =
        std::min<std::size_t>(blocks, std::max(1u, std::thread::hardware_concurrency())) - 1;
    if (helpers == 0 || double(n) * double(k) < 1e6) {
        run_blocks(0, 1);
    } else {
        std::vector<std::thread> team;
        for (std::size_t h = 1; h <= helpers; ++h) team.emplace_back(run_blocks, h, helpers + 1);
        run_blocks(0, helpers + 1);
        for (auto& th : team) th.join();
    }
    for (std::size_t t = 0; t < n; ++t) r[t].l2 = std::sqrt(sq[t]);
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
