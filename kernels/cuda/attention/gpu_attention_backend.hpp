// The GPU attention registry: the own fused kernels and the unfused cuBLAS baseline go through
// the same plan -> validate -> time path (measure/cuda/gpu_attention_case.hpp).
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/cuda/attention/gpu_attention_problem.hpp"

namespace flopmeter {

struct GpuAttnOperands {
    const void* q = nullptr;
    const void* k = nullptr;
    const void* v = nullptr;
    void* o = nullptr;     // forward output; backward input
    float* lse = nullptr;  // forward output; backward input
    const void* d_o = nullptr;
    void* dq = nullptr;
    void* dk = nullptr;
    void* dv = nullptr;
};

class GpuAttentionPlan {
  public:
    virtual ~GpuAttentionPlan() = default;
    virtual void bind(const GpuAttnOperands& ops) { ops_ = ops; }
    virtual void enqueue(cudaStream_t s) = 0;  // asynchronous, never synchronises
    virtual std::string kernel_set() const = 0;
    virtual double workspace_bytes() const { return 0.0; }
    virtual double executed_flops() const = 0;  // what the kernels compute, masked tiles included

  protected:
    GpuAttnOperands ops_;
};

struct GpuAttentionBackend {
    std::string name;  // "flash", "unfused"
    std::string description;
    std::function<std::optional<std::string>(const GpuAttentionProblem&)>
        unavailable;  // needs a device
    std::function<std::unique_ptr<GpuAttentionPlan>(const GpuAttentionProblem&)> make_plan;
};

const std::vector<GpuAttentionBackend>& gpu_attention_backends();
std::string gpu_attention_backend_names();
const GpuAttentionBackend& find_gpu_attention_backend(
    std::string_view name);  // UsageError when unknown
std::unique_ptr<GpuAttentionPlan> make_gpu_attention_plan(const GpuAttentionBackend& b,
                                                          const GpuAttentionProblem& p);

}  // namespace flopmeter
