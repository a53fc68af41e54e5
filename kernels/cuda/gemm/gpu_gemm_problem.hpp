// A GEMM on the GPU: the CPU's row-major conventions (kernels/gemm/gemm_problem.hpp: C M x N,
// layouts nn / nt / tn) with a compute mode instead of a storage dtype, because the GPU runs
// one storage type in several ways (fp32 data as IEEE fp32 or as tf32 on the tensor cores).
//
//   mode  A,B storage  C storage  arithmetic
//   fp32  fp32         fp32       fp32 FMA (no tensor cores)
//   tf32  fp32         fp32       tensor cores, inputs rounded to tf32 (10-bit mantissa)
//   fp16  fp16         fp16       tensor cores, fp32 accumulation
//   bf16  bf16         bf16       tensor cores, fp32 accumulation
//   fp8   e4m3         bf16       tensor cores (cc >= 8.9), fp32 accumulation; layout nt only
// 16-bit inputs store C in their own type (as LLM training does), unlike the CPU path, which
// stores fp32; the result's params record c_dtype.
// FLOPs and bytes come from core/flops.hpp at these storage sizes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kernels/cuda/common/gpu_storage.hpp"
#include "kernels/gemm/gemm_problem.hpp"

namespace flopmeter {

enum class GemmMode { fp32, tf32, fp16, bf16, fp8 };

constexpr std::string_view gemm_mode_name(GemmMode m) {
    switch (m) {
        case GemmMode::fp32:
            return "fp32";
        case GemmMode::tf32:
            return "tf32";
        case GemmMode::fp16:
            return "fp16";
        case GemmMode::bf16:
            return "bf16";
        case GemmMode::fp8:
            return "fp8";
    }
    return "?";
}

inline std::optional<GemmMode> parse_gemm_mode(std::string_view s) {
    for (GemmMode m :
         {GemmMode::fp32, GemmMode::tf32, GemmMode::fp16, GemmMode::bf16, GemmMode::fp8})
        if (s == gemm_mode_name(m)) return m;
    return std::nullopt;
}

constexpr GpuStorage gemm_ab_storage(GemmMode m) {
    switch (m) {
        case GemmMode::fp32:
        case GemmMode::tf32:
            return GpuStorage::f32;
        case GemmMode::fp16:
            return GpuStorage::f16;
        case GemmMode::bf16:
            return GpuStorage::bf16;
        case GemmMode::fp8:
            return GpuStorage::e4m3;
    }
    return GpuStorage::f32;
}

constexpr GpuStorage gemm_c_storage(GemmMode m) {
    switch (m) {
        case GemmMode::fp32:
        case GemmMode::tf32:
            return GpuStorage::f32;
        case GemmMode::fp16:
            return GpuStorage::f16;
        case GemmMode::bf16:
        case GemmMode::fp8:
            return GpuStorage::bf16;
    }
    return GpuStorage::f32;
}

struct GpuGemmProblem {
    std::int64_t m = 0, n = 0, k = 0;
    Layout layout = Layout::nn;
    GemmMode mode = GemmMode::bf16;
    double alpha = 1.0, beta = 0.0;
};

// Leading dimensions of tight row-major storage (the CPU's rule).
inline GemmProblem as_cpu_shape(const GpuGemmProblem& p) {
    GemmProblem c;
    c.m = p.m;
    c.n = p.n;
    c.k = p.k;
    c.layout = p.layout;
    c.alpha = p.alpha;
    c.beta = p.beta;
    return c;
}
inline std::int64_t gpu_gemm_lda(const GpuGemmProblem& p) {
    return gemm_lda(as_cpu_shape(p));
}
inline std::int64_t gpu_gemm_ldb(const GpuGemmProblem& p) {
    return gemm_ldb(as_cpu_shape(p));
}
inline std::int64_t gpu_gemm_ldc(const GpuGemmProblem& p) {
    return gemm_ldc(as_cpu_shape(p));
}

// Bytes of A, B and C (one set), as a double.
double gpu_gemm_footprint_bytes(const GpuGemmProblem& p);
// Compulsory traffic and FLOPs, from core/flops.hpp.
double gpu_gemm_bytes(const GpuGemmProblem& p);
double gpu_gemm_model_flops(const GpuGemmProblem& p);
double gpu_gemm_executed_flops(const GpuGemmProblem& p);

// Throws UsageError for sizes <= 0, element counts that overflow 64-bit indexing and
// non-finite alpha/beta. Device memory is checked when the case allocates.
void check_gpu_gemm_problem(const GpuGemmProblem& p);

std::string describe(const GpuGemmProblem& p);  // "bf16 nn 8192x8192x8192"

}  // namespace flopmeter
