#include "kernels/cuda/gemm/gpu_gemm_problem.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/flops.hpp"

namespace flopmeter {

double gpu_gemm_footprint_bytes(const GpuGemmProblem& p) {
    const double in = double(gpu_storage_size(gemm_ab_storage(p.mode)));
    const double out = double(gpu_storage_size(gemm_c_storage(p.mode)));
    return double(p.m) * double(p.k) * in + double(p.k) * double(p.n) * in +
           double(p.m) * double(p.n) * out;
}

double gpu_gemm_bytes(const GpuGemmProblem& p) {
    const double in = double(gpu_storage_size(gemm_ab_storage(p.mode)));
    const double out = double(gpu_storage_size(gemm_c_storage(p.mode)));
    return flops::gemm_bytes(p.m, p.n, p.k, in, in, out, p.beta).total();
}

double gpu_gemm_model_flops(const GpuGemmProblem& p) {
    return flops::gemm_model_flops(p.m, p.n, p.k);
}

double gpu_gemm_executed_flops(const GpuGemmProblem& p) {
    return flops::gemm_executed_flops(p.m, p.n, p.k, p.alpha, p.beta);
}

void check_gpu_gemm_problem(const GpuGemmProblem& p) {
    auto dim = [](const char* name, std::int64_t v) {
        if (v <= 0)
            throw UsageError(std::string("GEMM size ") + name + "=" + std::to_string(v) +
                             " must be a positive integer");
    };
    dim("M", p.m);
    dim("N", p.n);
    dim("K", p.k);
    constexpr double kMaxElems = 9.0e18 / 16.0;
    if (double(p.m) * double(p.k) > kMaxElems || double(p.k) * double(p.n) > kMaxElems ||
        double(p.m) * double(p.n) > kMaxElems)
        throw UsageError("GEMM " + describe(p) +
                         ": an operand's element count overflows 64-bit indexing");
    if (!std::isfinite(p.alpha) || !std::isfinite(p.beta))
        throw UsageError("GEMM alpha and beta must be finite numbers");
}

std::string describe(const GpuGemmProblem& p) {
    return std::string(gemm_mode_name(p.mode)) + " " + std::string(layout_name(p.layout)) + " " +
           std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k);
}

}  // namespace flopmeter
