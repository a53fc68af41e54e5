// The GPU GEMM registry: cuBLASLt and the own kernels are entries of one list and go through
// the same plan -> validate -> time path (measure/cuda/gpu_gemm_case.hpp), as the CPU
// backends do (kernels/gemm/gemm_backend.hpp).
//
// A plan is made once per problem outside any timed region (cuBLASLt heuristics, TMA
// descriptors, shared-memory limits); enqueue() is what gets timed: it only launches work on
// the given stream and never synchronises.
#pragma once

#include <cuda_runtime_api.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/cuda/gemm/gpu_gemm_problem.hpp"

namespace flopmeter {

struct GpuGemmOperands {
    const void* a = nullptr;
    const void* b = nullptr;
    void* c = nullptr;
    std::int64_t lda = 0, ldb = 0, ldc = 0;
};

class GpuGemmPlan {
  public:
    virtual ~GpuGemmPlan() = default;
    // Tensor maps and similar bind to the operand addresses; the case calls bind() before the
    // first enqueue and whenever the operands change.
    virtual void bind(const GpuGemmOperands& ops) { ops_ = ops; }
    virtual void enqueue(cudaStream_t stream) = 0;
    virtual std::string kernel_set() const = 0;
    virtual double workspace_bytes() const { return 0.0; }

  protected:
    GpuGemmOperands ops_;
};

struct GpuGemmBackend {
    std::string name;         // "cublas", "own", "own-mma", "own-wgmma", "own-simt"
    std::string description;  // one line for listings
    std::vector<GemmMode> modes;
    // Why this backend cannot run the problem on this device, or nullopt. Needs a device.
    std::function<std::optional<std::string>(const GpuGemmProblem&)> unavailable;
    std::function<std::unique_ptr<GpuGemmPlan>(const GpuGemmProblem&)> make_plan;

    bool supports(GemmMode m) const;
};

const std::vector<GpuGemmBackend>& gpu_gemm_backends();
std::string gpu_gemm_backend_names();  // "cublas, own, ..."

// Throws UsageError listing the valid names when unknown.
const GpuGemmBackend& find_gpu_gemm_backend(std::string_view name);
// Throws UnavailableError with the reason when the backend cannot run the problem here.
std::unique_ptr<GpuGemmPlan> make_gpu_gemm_plan(const GpuGemmBackend& b, const GpuGemmProblem& p);

// Entries, one per file.
GpuGemmBackend cublas_gemm_backend();
GpuGemmBackend own_cuda_gemm_backend();   // best own kernel for the mode and device
GpuGemmBackend own_simt_gemm_backend();   // fp32 SIMT
GpuGemmBackend own_mma_gemm_backend();    // 16-bit mma.sync (sm_80+)
GpuGemmBackend own_wgmma_gemm_backend();  // 16-bit wgmma + TMA (sm_90a)

// Launchers of the own kernels (one .cu file each). They check nothing: the plans do.
void launch_sgemm_simt_128x128x8(const GpuGemmProblem& p, const GpuGemmOperands& ops,
                                 cudaStream_t s);
void launch_hgemm_sm80_mma_128x128x64(const GpuGemmProblem& p, const GpuGemmOperands& ops,
                                      cudaStream_t s);

}  // namespace flopmeter
