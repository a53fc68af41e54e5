// One GPU attention case end to end: Q, K, V (and dO for the backward) filled on the GPU
// (uniform [-1, 1), fixed seeds), for the backward the forward's O and LSE made once by the
// flash forward, the backend's plan bound, validation against the fp64 host reference, then
// measure_cuda_case() to time it.
#pragma once

#include <memory>
#include <string>

#include "kernels/cuda/attention/gpu_attention_backend.hpp"
#include "kernels/cuda/common/device_buffer.hpp"
#include "measure/cuda/cuda_case.hpp"

namespace flopmeter {

struct GpuAttentionCaseSpec {
    std::string backend = "flash";
    GpuAttentionProblem problem;
};

// "cuda/attention/<backend>/<dtype>/<fwd|bwd>/b4_h32_kv32_sq4096_sk4096_d128[_causal]"
std::string gpu_attention_case_name(const GpuAttentionCaseSpec& s);

class GpuAttentionCase final : public CudaCase {
  public:
    explicit GpuAttentionCase(const GpuAttentionCaseSpec& spec);  // UsageError / UnavailableError

    CaseResult describe() const override;
    ValidationReport validate() override;
    void enqueue(cudaStream_t s) override { plan_->enqueue(s); }

  private:
    GpuAttentionCaseSpec spec_;
    std::unique_ptr<GpuAttentionPlan> plan_;
    DeviceBuffer q_, k_, v_, o_, lse_, do_, dq_, dk_, dv_;
};

CaseResult gpu_attention_unavailable_result(const GpuAttentionCaseSpec& spec,
                                            const std::string& why);

CaseResult measure_gpu_attention(const GpuAttentionCaseSpec& spec, const MeasureOptions& o,
                                 MeasureContext& ctx, const CudaMeasureOptions& g);

}  // namespace flopmeter
