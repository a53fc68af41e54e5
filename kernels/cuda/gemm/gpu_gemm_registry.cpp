#include <algorithm>

#include "core/error.hpp"
#include "kernels/cuda/gemm/gpu_gemm_backend.hpp"

namespace flopmeter {

bool GpuGemmBackend::supports(GemmMode m) const {
    return std::find(modes.begin(), modes.end(), m) != modes.end();
}

const std::vector<GpuGemmBackend>& gpu_gemm_backends() {
    static const std::vector<GpuGemmBackend> v = {cublas_gemm_backend(), own_cuda_gemm_backend(),
                                                  own_simt_gemm_backend(), own_mma_gemm_backend(),
                                                  own_wgmma_gemm_backend()};
    return v;
}

std::string gpu_gemm_backend_names() {
    std::string s;
    for (const auto& b : gpu_gemm_backends()) s += (s.empty() ? "" : ", ") + b.name;
    return s;
}

const GpuGemmBackend& find_gpu_gemm_backend(std::string_view name) {
    for (const auto& b : gpu_gemm_backends())
        if (b.name == name) return b;
    throw UsageError("unknown GPU GEMM backend '" + std::string(name) +
                     "' (valid: " + gpu_gemm_backend_names() + ")");
}

std::unique_ptr<GpuGemmPlan> make_gpu_gemm_plan(const GpuGemmBackend& b, const GpuGemmProblem& p) {
    if (!b.supports(p.mode))
        throw UnavailableError("backend '" + b.name + "' does not run " +
                               std::string(gemm_mode_name(p.mode)));
    if (auto why = b.unavailable(p))
        throw UnavailableError("backend '" + b.name + "' cannot run GEMM " + describe(p) + ": " +
                               *why);
    return b.make_plan(p);
}

}  // namespace flopmeter
