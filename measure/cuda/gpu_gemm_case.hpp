// One GPU GEMM case end to end: device operands filled on the GPU (uniform [-1, 1), fixed
// seeds), the backend's plan bound to them, validation against the fp64 host reference, and
// measure_cuda_case() to time it. The CLI, the calibration sweep and the Google Benchmark
// binary all go through this.
#pragma once

#include <memory>
#include <string>

#include "kernels/cuda/common/device_buffer.hpp"
#include "kernels/cuda/gemm/gpu_gemm_backend.hpp"
#include "measure/cuda/cuda_case.hpp"

namespace flopmeter {

struct GpuGemmCaseSpec {
    std::string backend = "cublas";
    GpuGemmProblem problem;
};

// "cuda/gemm/<backend>/<mode>/<layout>/MxNxK[/a..b..]"
std::string gpu_gemm_case_name(const GpuGemmCaseSpec& s);

class GpuGemmCase final : public CudaCase {
  public:
    // Throws UsageError (bad sizes, unknown backend), UnavailableError (no device, the backend
    // cannot run this here, out of device memory).
    explicit GpuGemmCase(const GpuGemmCaseSpec& spec);

    CaseResult describe() const override;
    ValidationReport validate() override;
    void enqueue(cudaStream_t s) override { plan_->enqueue(s); }

    const GpuGemmPlan& plan() const { return *plan_; }
    const GpuGemmCaseSpec& spec() const { return spec_; }

  private:
    GpuGemmCaseSpec spec_;
    std::unique_ptr<GpuGemmPlan> plan_;
    DeviceBuffer a_, b_, c_, c0_;
};

// A result that says why a case did not run (status unavailable), for tables and JSON.
CaseResult gpu_gemm_unavailable_result(const GpuGemmCaseSpec& spec, const std::string& why);

// Builds the case and measures it; construction errors (unavailable, out of memory) come back
// as an unavailable result rather than an exception.
CaseResult measure_gpu_gemm(const GpuGemmCaseSpec& spec, const MeasureOptions& o,
                            MeasureContext& ctx, const CudaMeasureOptions& g);

}  // namespace flopmeter
