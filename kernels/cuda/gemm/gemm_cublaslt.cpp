// cuBLASLt as a GEMM backend: every mode (fp32, tf32, fp16, bf16, fp8 e4m3), layouts nn/nt/tn.
//
// flopmeter's operands are row-major; cuBLAS is column-major. Row-major C = A*B is
// column-major C^T = B^T * A^T, and a row-major matrix's memory read column-major is its
// transpose, so the call passes B's memory as cuBLAS's first operand and A's as its second,
// with m = N, n = M and transposes only where the layout stores an operand transposed.
// fp8 needs cuBLAS's "TN" form (both operands K-contiguous), which is flopmeter's layout nt.
// The algorithm is cuBLASLt's first heuristic choice with a 32 MiB workspace, as frameworks use.
#include <cublasLt.h>

#include <memory>

#include "core/error.hpp"
#include "kernels/cuda/common/cuda_context.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "kernels/cuda/gemm/gpu_gemm_backend.hpp"

namespace flopmeter {

namespace {

cudaDataType_t cuda_type(GpuStorage s) {
    switch (s) {
        case GpuStorage::f32:
            return CUDA_R_32F;
        case GpuStorage::bf16:
            return CUDA_R_16BF;
        case GpuStorage::f16:
            return CUDA_R_16F;
        case GpuStorage::e4m3:
            return CUDA_R_8F_E4M3;
    }
    return CUDA_R_32F;
}

std::optional<std::string> cublas_unavailable(const GpuGemmProblem& p) {
    const CudaDeviceInfo& d = cuda_device();
    const int cc = d.cc_major * 10 + d.cc_minor;
    if ((p.mode == GemmMode::bf16 || p.mode == GemmMode::tf32) && cc < 80)
        return std::string(gemm_mode_name(p.mode)) +
               " needs compute capability 8.0 or newer (this is " + std::to_string(d.cc_major) +
               "." + std::to_string(d.cc_minor) + ")";
    if (p.mode == GemmMode::fp8) {
        if (!d.fp8)
            return "fp8 needs compute capability 8.9 or newer (this is " +
                   std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor) + ")";
        if (p.layout != Layout::nt)
            return "cuBLASLt fp8 needs both operands K-contiguous: use layout nt";
        if (p.k % 16 != 0) return "cuBLASLt fp8 needs K to be a multiple of 16";
    }
    return std::nullopt;
}

class CublasLtPlan final : public GpuGemmPlan {
  public:
    explicit CublasLtPlan(const GpuGemmProblem& p) : p_(p) {
        CudaContext& ctx = cuda_context();
        const bool tb = layout_trans_b(p.layout), ta = layout_trans_a(p.layout);
        // cuBLAS operand 1 = our B, operand 2 = our A.
        const cublasOperation_t op1 = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
        const cublasOperation_t op2 = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
        const cublasComputeType_t compute =
            p.mode == GemmMode::tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
        FM_CUBLAS(cublasLtMatmulDescCreate(&desc_, compute, CUDA_R_32F));
        FM_CUBLAS(
            cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSA, &op1, sizeof op1));
        FM_CUBLAS(
            cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSB, &op2, sizeof op2));
        const cudaDataType_t tin = cuda_type(gemm_ab_storage(p.mode)),
                             tout = cuda_type(gemm_c_storage(p.mode));
        const auto ldb = uint64_t(gpu_gemm_ldb(p)), lda = uint64_t(gpu_gemm_lda(p)),
                   ldc = uint64_t(gpu_gemm_ldc(p));
        // Column-major shapes of the memory as cuBLAS sees it.
        FM_CUBLAS(cublasLtMatrixLayoutCreate(&l1_, tin, tb ? uint64_t(p.k) : uint64_t(p.n),
                                             tb ? uint64_t(p.n) : uint64_t(p.k), int64_t(ldb)));
        FM_CUBLAS(cublasLtMatrixLayoutCreate(&l2_, tin, ta ? uint64_t(p.m) : uint64_t(p.k),
                                             ta ? uint64_t(p.k) : uint64_t(p.m), int64_t(lda)));
        FM_CUBLAS(
            cublasLtMatrixLayoutCreate(&lc_, tout, uint64_t(p.n), uint64_t(p.m), int64_t(ldc)));
        cublasLtMatmulPreference_t pref = nullptr;
        FM_CUBLAS(cublasLtMatmulPreferenceCreate(&pref));
        const size_t ws = ctx.lt_workspace.size();
        FM_CUBLAS(cublasLtMatmulPreferenceSetAttribute(
            pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws));
        cublasLtMatmulHeuristicResult_t h{};
        int found = 0;
        const cublasStatus_t st =
            cublasLtMatmulAlgoGetHeuristic(ctx.lt, desc_, l1_, l2_, lc_, lc_, pref, 1, &h, &found);
        cublasLtMatmulPreferenceDestroy(pref);
        if (st != CUBLAS_STATUS_SUCCESS || found == 0)
            throw UnavailableError("cuBLASLt has no algorithm for GEMM " + describe(p) +
                                   " on this device");
        algo_ = h.algo;
        workspace_ = h.workspaceSize;
        alpha_ = float(p.alpha);
        beta_ = float(p.beta);
        kernel_ = describe_algo();
    }
    ~CublasLtPlan() override {
        if (lc_) cublasLtMatrixLayoutDestroy(lc_);
        if (l2_) cublasLtMatrixLayoutDestroy(l2_);
        if (l1_) cublasLtMatrixLayoutDestroy(l1_);
        if (desc_) cublasLtMatmulDescDestroy(desc_);
    }

    void enqueue(cudaStream_t s) override {
        CudaContext& ctx = cuda_context();
        FM_CUBLAS(cublasLtMatmul(ctx.lt, desc_, &alpha_, ops_.b, l1_, ops_.a, l2_, &beta_, ops_.c,
                                 lc_, ops_.c, lc_, &algo_, ctx.lt_workspace.data(), workspace_, s));
    }
    std::string kernel_set() const override { return kernel_; }
    double workspace_bytes() const override { return double(workspace_); }

  private:
    std::string describe_algo() const {
        int id = -1, tile = -1, stages = -1, splitk = -1;
        size_t w = 0;
        cublasLtMatmulAlgoConfigGetAttribute(&algo_, CUBLASLT_ALGO_CONFIG_ID, &id, sizeof id, &w);
        cublasLtMatmulAlgoConfigGetAttribute(&algo_, CUBLASLT_ALGO_CONFIG_TILE_ID, &tile,
                                             sizeof tile, &w);
        cublasLtMatmulAlgoConfigGetAttribute(&algo_, CUBLASLT_ALGO_CONFIG_STAGES_ID, &stages,
                                             sizeof stages, &w);
        cublasLtMatmulAlgoConfigGetAttribute(&algo_, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &splitk,
                                             sizeof splitk, &w);
        return "cuBLASLt " + std::to_string(cublasLtGetVersion()) + " algo " + std::to_string(id) +
               " tile " + std::to_string(tile) + " stages " + std::to_string(stages) + " splitK " +
               std::to_string(splitk);
    }

    GpuGemmProblem p_;
    cublasLtMatmulDesc_t desc_ = nullptr;
    cublasLtMatrixLayout_t l1_ = nullptr, l2_ = nullptr, lc_ = nullptr;
    cublasLtMatmulAlgo_t algo_{};
    size_t workspace_ = 0;
    float alpha_ = 1.0f, beta_ = 0.0f;
    std::string kernel_;
};

}  // namespace

GpuGemmBackend cublas_gemm_backend() {
    GpuGemmBackend b;
    b.name = "cublas";
    b.description = "NVIDIA cuBLASLt (heuristic's first algorithm, 32 MiB workspace)";
    b.modes = {GemmMode::fp32, GemmMode::tf32, GemmMode::fp16, GemmMode::bf16, GemmMode::fp8};
    b.unavailable = cublas_unavailable;
    b.make_plan = [](const GpuGemmProblem& p) -> std::unique_ptr<GpuGemmPlan> {
        return std::make_unique<CublasLtPlan>(p);
    };
    return b;
}

}  // namespace flopmeter
