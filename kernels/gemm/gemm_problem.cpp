#include "kernels/gemm/gemm_problem.hpp"

#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "core/memory_info.hpp"

namespace flopmeter {

double gemm_footprint_bytes(const GemmProblem& p) {
    const double in = double(dtype_size(p.dtype)), out = double(dtype_size(gemm_c_dtype(p.dtype)));
    return double(p.m) * double(p.k) * in + double(p.k) * double(p.n) * in +
           double(p.m) * double(p.n) * out;
}

void check_gemm_shape(const GemmProblem& p) {
    auto dim = [](const char* name, std::int64_t v) {
        if (v <= 0)
            throw UsageError(std::string("GEMM size ") + name + "=" + std::to_string(v) +
                             " must be a positive integer");
    };
    dim("M", p.m);
    dim("N", p.n);
    dim("K", p.k);
    // Element counts must index with int64 (and leave room for byte offsets).
    constexpr double kMaxElems = 9.0e18 / 16.0;
    const double mk = double(p.m) * double(p.k), kn = double(p.k) * double(p.n),
                 mn = double(p.m) * double(p.n);
    if (mk > kMaxElems || kn > kMaxElems || mn > kMaxElems)
        throw UsageError("GEMM " + describe(p) +
                         ": an operand's element count overflows 64-bit indexing");
    if (!std::isfinite(p.alpha) || !std::isfinite(p.beta))
        throw UsageError("GEMM alpha and beta must be finite numbers");
}

void check_gemm_problem(const GemmProblem& p) {
    check_gemm_shape(p);
    const double need = gemm_footprint_bytes(p);
    const double have = double(available_memory_bytes());
    if (have > 0 && need > 0.8 * have) {
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "GEMM %s needs %.2f GiB for its operands but only %.2f GiB of memory is "
                      "available; choose smaller sizes",
                      describe(p).c_str(), need / 1073741824.0, have / 1073741824.0);
        throw UsageError(buf);
    }
}

std::string describe(const GemmProblem& p) {
    return std::string(dtype_name(p.dtype)) + " " + std::string(layout_name(p.layout)) + " " +
           std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k);
}

}  // namespace flopmeter
