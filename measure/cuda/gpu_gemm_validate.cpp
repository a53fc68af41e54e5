#include "measure/cuda/gpu_gemm_validate.hpp"

#include "kernels/gemm/gemm_reference.hpp"

#include <cmath>
#include <cstdio>
#include <random>
#include <utility>
#include <vector>

namespace flopmeter {

GpuGemmTolerance gpu_gemm_tolerance(GemmMode m) {
    const double u_tc = std::ldexp(1.0, -23);
    switch (m) {
        case GemmMode::fp32:
            return {0.0, std::ldexp(1.0, -24), std::ldexp(1.0, -24), false};
        case GemmMode::tf32:
            return {std::ldexp(1.0, -10), u_tc, std::ldexp(1.0, -24), false};
        case GemmMode::fp16:
            return {0.0, u_tc, gpu_storage_unit_roundoff(GpuStorage::f16), false};
        case GemmMode::bf16:
            return {0.0, u_tc, gpu_storage_unit_roundoff(GpuStorage::bf16), false};
        case GemmMode::fp8:
            return {0.0, std::ldexp(1.0, -14), gpu_storage_unit_roundoff(GpuStorage::bf16), true};
    }
    return {};
}

ValidationReport validate_gpu_gemm(const GpuGemmProblem& p, const float* a, const float* b,
                                   const float* c_before, const float* c_after) {
    const std::int64_t lda = gpu_gemm_lda(p), ldb = gpu_gemm_ldb(p), ldc = gpu_gemm_ldc(p);
    ValidationReport r;

    // Every entry written and finite.
    std::int64_t bad = 0, first_bad = -1;
    for (std::int64_t i = 0; i < p.m * p.n; ++i)
        if (!std::isfinite(c_after[(i / p.n) * ldc + i % p.n])) {
            if (first_bad < 0) first_bad = i;
            ++bad;
        }
    if (bad > 0) {
        char buf[200];
        std::snprintf(
            buf, sizeof buf,
            "%lld of %lld outputs are not finite (unwritten or overflowed), first C[%lld][%lld]",
            static_cast<long long>(bad), static_cast<long long>(p.m * p.n),
            static_cast<long long>(first_bad / p.n), static_cast<long long>(first_bad % p.n));
        r.detail = buf;
        r.max_error_ratio = INFINITY;
        return r;
    }

    const auto pts = gemm_check_points(p.m, p.n, p.k);

    const GpuGemmTolerance tol = gpu_gemm_tolerance(p.mode);
    const double sq = std::sqrt(double(p.k) + 2.0);
    r.passed = true;
    const std::vector<GemmDotTerms> terms =
        gemm_reference_dot_terms<float>(p.layout, p.k, a, lda, b, ldb, pts);
    for (std::size_t x = 0; x < pts.size(); ++x) {
        const auto [i, j] = pts[x];
        const double dot = terms[x].dot, s1 = terms[x].abs_sum, s2 = terms[x].l2;
        const double c0 = p.beta != 0.0 ? double(c_before[i * ldc + j]) : 0.0;
        const double ref = p.alpha * dot + p.beta * c0;
        const double got = double(c_after[i * ldc + j]);
        const double bound = std::fabs(p.alpha) * (16.0 * tol.u_acc * sq * (tol.acc_l2 ? s2 : s1) +
                                                   tol.u_in * (std::fabs(dot) + 4.0 * s2)) +
                             4.0 * tol.u_acc * std::fabs(p.beta * c0) +
                             1.01 * tol.u_out * std::fabs(ref) + 1e-30;
        const double err = std::fabs(got - ref);
        const double ratio = err / bound;
        ++r.checked;
        if (ratio > r.max_error_ratio) r.max_error_ratio = ratio;
        if (!(ratio <= 1.0) && r.passed) {
            r.passed = false;
            char buf[256];
            std::snprintf(
                buf, sizeof buf, "C[%lld][%lld] = %.9g, expected %.9g (error %.3g > bound %.3g)",
                static_cast<long long>(i), static_cast<long long>(j), got, ref, err, bound);
            r.detail = buf;
        }
    }
    if (r.passed) {
        char buf[160];
        std::snprintf(
            buf, sizeof buf,
            "%lld entries checked against the fp64 host reference, max error %.3g of the bound",
            static_cast<long long>(r.checked), r.max_error_ratio);
        r.detail = buf;
    }
    return r;
}

}  // namespace flopmeter
