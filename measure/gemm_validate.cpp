#include "measure/gemm_validate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/bf16.hpp"
#include "kernels/gemm/gemm_reference.hpp"

namespace flopmeter {

double gemm_tolerance_factor(DType dtype) {
    switch (dtype) {
        case DType::fp64:
            return 16.0 * std::ldexp(1.0, -53);
        case DType::bf16:
            return 32.0 * std::ldexp(1.0, -24);
        default:
            return 16.0 * std::ldexp(1.0, -24);
    }
}

std::vector<std::pair<std::int64_t, std::int64_t>> gemm_check_points(std::int64_t m, std::int64_t n,
                                                                     std::int64_t k) {
    std::vector<std::pair<std::int64_t, std::int64_t>> pts;
    if (double(m) * double(n) <= 65536.0 &&
        double(m) * double(n) * double(k) <= kGemmFullCheckMacs) {
        for (std::int64_t i = 0; i < m; ++i)
            for (std::int64_t j = 0; j < n; ++j) pts.emplace_back(i, j);
        return pts;
    }
    auto spread = [](std::int64_t len, std::int64_t count, auto&& f) {
        if (len <= count) {
            for (std::int64_t x = 0; x < len; ++x) f(x);
        } else {
            for (std::int64_t t = 0; t < count; ++t) f(t * (len - 1) / (count - 1));
        }
    };
    for (std::int64_t i : {std::int64_t(0), m - 1})
        spread(n, 1024, [&](std::int64_t j) { pts.emplace_back(i, j); });
    for (std::int64_t j : {std::int64_t(0), n - 1})
        spread(m, 1024, [&](std::int64_t i) { pts.emplace_back(i, j); });
    std::mt19937_64 rng(12345);
    std::uniform_int_distribution<std::int64_t> di(0, m - 1), dj(0, n - 1);
    for (int t = 0; t < 4096; ++t) pts.emplace_back(di(rng), dj(rng));
    return pts;
}

namespace {

template <class In>
std::vector<GemmDotTerms> terms_of(const GemmProblem& p, const GemmOperands& ops) {
    return gemm_reference_dot_terms<In>(p.layout, p.k, static_cast<const In*>(ops.a), ops.lda,
                                        static_cast<const In*>(ops.b), ops.ldb,
                                        gemm_check_points(p.m, p.n, p.k));
}

template <class In, class Out>
ValidationReport check(const GemmProblem& p, const GemmOperands& ops, const Out* before,
                       const Out* after, const std::vector<GemmDotTerms>* cached) {
    const auto pts = gemm_check_points(p.m, p.n, p.k);
    const double f = gemm_tolerance_factor(p.dtype) * std::sqrt(double(p.k) + 2.0);
    std::vector<GemmDotTerms> own;
    if (!cached) own = terms_of<In>(p, ops);
    const std::vector<GemmDotTerms>& terms = cached ? *cached : own;
    if (terms.size() != pts.size())
        throw std::logic_error("validate_gemm: reference terms of another shape");
    ValidationReport r;
    r.passed = true;
    for (std::size_t t = 0; t < pts.size(); ++t) {
        const auto [i, j] = pts[t];
        const double acc = terms[t].dot;
        const double c0 = p.beta != 0.0 ? double(before[i * ops.ldc + j]) : 0.0;
        const double ref = gemm_reference_epilogue<double, double>(acc, p.alpha, p.beta, c0);
        const double got = double(after[i * ops.ldc + j]);
        const double bound =
            f * (std::fabs(p.alpha) * terms[t].abs_sum + std::fabs(p.beta * c0)) + 1e-300;
        const double err = std::fabs(got - ref);
        const double ratio = std::isfinite(got) ? err / bound : INFINITY;
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
        char buf[128];
        std::snprintf(buf, sizeof buf, "%lld entries checked, max error %.3g of the bound",
                      static_cast<long long>(r.checked), r.max_error_ratio);
        r.detail = buf;
    }
    return r;
}

}  // namespace

std::vector<GemmDotTerms> gemm_reference_terms(const GemmProblem& p, const GemmOperands& ops) {
    switch (p.dtype) {
        case DType::fp32:
            return terms_of<float>(p, ops);
        case DType::fp64:
            return terms_of<double>(p, ops);
        case DType::bf16:
            return terms_of<bf16>(p, ops);
        default:
            return {};
    }
}

ValidationReport validate_gemm(const GemmProblem& p, const GemmOperands& ops, const void* c_before,
                               const void* c_after, const std::vector<GemmDotTerms>* terms) {
    switch (p.dtype) {
        case DType::fp32:
            return check<float, float>(p, ops, static_cast<const float*>(c_before),
                                       static_cast<const float*>(c_after), terms);
        case DType::fp64:
            return check<double, double>(p, ops, static_cast<const double*>(c_before),
                                         static_cast<const double*>(c_after), terms);
        case DType::bf16:
            return check<bf16, float>(p, ops, static_cast<const float*>(c_before),
                                      static_cast<const float*>(c_after), terms);
        default: {
            ValidationReport r;
            r.detail = "no oracle for dtype " + std::string(dtype_name(p.dtype));
            return r;
        }
    }
}

}  // namespace flopmeter
