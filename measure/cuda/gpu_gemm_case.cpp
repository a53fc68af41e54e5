#include "measure/cuda/gpu_gemm_case.hpp"

#include <cstdio>

#include "core/error.hpp"
#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/cuda_context.hpp"
#include "kernels/cuda/common/fill.hpp"
#include "measure/cuda/gpu_gemm_validate.hpp"

namespace flopmeter {

namespace {

std::string fmt_double(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

CaseResult base_result(const GpuGemmCaseSpec& s) {
    const GpuGemmProblem& p = s.problem;
    CaseResult r;
    r.op = "gemm";
    r.name = gpu_gemm_case_name(s);
    r.backend = s.backend;
    r.dtype = std::string(gemm_mode_name(p.mode));
    r.dims = {{"m", p.m}, {"n", p.n}, {"k", p.k}};
    r.params = {{"device_kind", "cuda"},
                {"layout", std::string(layout_name(p.layout))},
                {"alpha", fmt_double(p.alpha)},
                {"beta", fmt_double(p.beta)},
                {"ab_dtype", std::string(gpu_storage_name(gemm_ab_storage(p.mode)))},
                {"c_dtype", std::string(gpu_storage_name(gemm_c_storage(p.mode)))}};
    r.threads = 0;  // not a CPU thread count
    r.model_flops = gpu_gemm_model_flops(p);
    r.executed_flops = gpu_gemm_executed_flops(p);
    r.bytes = gpu_gemm_bytes(p);
    r.operand_bytes = gpu_gemm_footprint_bytes(p);
    return r;
}

}  // namespace

std::string gpu_gemm_case_name(const GpuGemmCaseSpec& s) {
    const GpuGemmProblem& p = s.problem;
    std::string n = "cuda/gemm/" + s.backend + "/" + std::string(gemm_mode_name(p.mode)) + "/" +
                    std::string(layout_name(p.layout)) + "/" + std::to_string(p.m) + "x" +
                    std::to_string(p.n) + "x" + std::to_string(p.k);
    if (p.alpha != 1.0 || p.beta != 0.0) n += "/a" + fmt_double(p.alpha) + "b" + fmt_double(p.beta);
    return n;
}

GpuGemmCase::GpuGemmCase(const GpuGemmCaseSpec& spec) : spec_(spec) {
    const GpuGemmProblem& p = spec.problem;
    check_gpu_gemm_problem(p);
    const GpuGemmBackend& b = find_gpu_gemm_backend(spec.backend);
    plan_ = make_gpu_gemm_plan(b, p);
    const GpuStorage tin = gemm_ab_storage(p.mode), tout = gemm_c_storage(p.mode);
    const std::size_t na = std::size_t(p.m * p.k), nb = std::size_t(p.k * p.n),
                      nc = std::size_t(p.m * p.n);
    a_ = DeviceBuffer(na * gpu_storage_size(tin), "GEMM operand A");
    b_ = DeviceBuffer(nb * gpu_storage_size(tin), "GEMM operand B");
    c_ = DeviceBuffer(nc * gpu_storage_size(tout), "GEMM operand C");
    cudaStream_t s = stream();
    fill_uniform_device(a_.data(), tin, std::int64_t(na), 1, -1.f, 1.f, s);
    fill_uniform_device(b_.data(), tin, std::int64_t(nb), 2, -1.f, 1.f, s);
    if (p.beta != 0.0) {
        c0_ = DeviceBuffer(nc * gpu_storage_size(tout), "GEMM initial C");
        fill_uniform_device(c0_.data(), tout, std::int64_t(nc), 3, -1.f, 1.f, s);
        FM_CUDA(cudaMemcpyAsync(c_.data(), c0_.data(), c0_.size(), cudaMemcpyDeviceToDevice, s));
    }
    cuda_sync("GEMM operand initialisation");
    plan_->bind(GpuGemmOperands{a_.data(), b_.data(), c_.data(), gpu_gemm_lda(p), gpu_gemm_ldb(p),
                                gpu_gemm_ldc(p)});
}

CaseResult GpuGemmCase::describe() const {
    CaseResult r = base_result(spec_);
    r.kernel_set = plan_->kernel_set();
    r.workspace_bytes = plan_->workspace_bytes();
    return r;
}

ValidationReport GpuGemmCase::validate() {
    const GpuGemmProblem& p = spec_.problem;
    cudaStream_t s = stream();
    // Poison C (all-ones bytes are NaN in every format) unless beta needs its initial values.
    if (p.beta == 0.0)
        FM_CUDA(cudaMemsetAsync(c_.data(), 0xff, c_.size(), s));
    else
        FM_CUDA(cudaMemcpyAsync(c_.data(), c0_.data(), c0_.size(), cudaMemcpyDeviceToDevice, s));
    plan_->enqueue(s);
    cuda_sync("the validation run");
    const GpuStorage tin = gemm_ab_storage(p.mode), tout = gemm_c_storage(p.mode);
    const std::vector<float> a = download_as_float(a_.data(), tin, p.m * p.k);
    const std::vector<float> b = download_as_float(b_.data(), tin, p.k * p.n);
    const std::vector<float> c = download_as_float(c_.data(), tout, p.m * p.n);
    std::vector<float> c0;
    if (p.beta != 0.0) c0 = download_as_float(c0_.data(), tout, p.m * p.n);
    return validate_gpu_gemm(p, a.data(), b.data(), c0.empty() ? nullptr : c0.data(), c.data());
}

CaseResult gpu_gemm_unavailable_result(const GpuGemmCaseSpec& spec, const std::string& why) {
    CaseResult r = base_result(spec);
    r.status = CaseStatus::unavailable;
    r.error = why;
    return r;
}

CaseResult measure_gpu_gemm(const GpuGemmCaseSpec& spec, const MeasureOptions& o,
                            MeasureContext& ctx, const CudaMeasureOptions& g) {
    std::unique_ptr<GpuGemmCase> c;
    try {
        c = std::make_unique<GpuGemmCase>(spec);
    } catch (const CudaError& e) {
        CaseResult r = gpu_gemm_unavailable_result(spec, e.what());
        r.status = CaseStatus::error;
        return r;
    } catch (const UnavailableError& e) {
        // Running out of device memory is a failure of the run (exit 2), not a missing feature.
        CaseResult r = gpu_gemm_unavailable_result(spec, e.what());
        if (std::string(e.what()).rfind("out of device memory", 0) == 0)
            r.status = CaseStatus::error;
        return r;
    }
    return measure_cuda_case(*c, o, ctx, g);
}

}  // namespace flopmeter
