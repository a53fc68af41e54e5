// The own GPU GEMM kernels as registry entries: own-simt (fp32 on CUDA cores), own-mma
// (16-bit mma.sync, sm_80+), own-wgmma (16-bit wgmma + TMA, sm_90a), and "own", the best of
// them for the mode and device.
#include <memory>

#include "core/error.hpp"
#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "kernels/cuda/gemm/gemm_launch.hpp"
#include "kernels/cuda/gemm/gpu_gemm_backend.hpp"
#include "kernels/cuda/gemm/hgemm_sm90_wgmma.hpp"
#include "kernels/cuda/gemm/tma_map.hpp"

namespace flopmeter {

namespace {

int layout_index(Layout l) {
    return l == Layout::nn ? 0 : l == Layout::nt ? 1 : 2;
}

std::string cc_text(const CudaDeviceInfo& d) {
    return std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor);
}

bool is16(GemmMode m) {
    return m == GemmMode::bf16 || m == GemmMode::fp16;
}

std::optional<std::string> simt_unavailable(const GpuGemmProblem& p) {
    if (p.mode != GemmMode::fp32) return "own-simt runs fp32 only (no tensor cores)";
    return std::nullopt;
}

std::optional<std::string> tensor_core_shape_reason(const GpuGemmProblem& p) {
    if (!cuda_gemm::tensor_core_shape_ok(p.m, p.n, p.k, layout_index(p.layout)))
        return "the own tensor-core kernels need the contiguous dimension of A and of B (" +
               std::string(layout_name(p.layout)) + ": " +
               (cuda_gemm::layout_majors(layout_index(p.layout)).a_k_contiguous ? "K" : "M") +
               " and " +
               (cuda_gemm::layout_majors(layout_index(p.layout)).b_k_contiguous ? "K" : "N") +
               ") to be multiples of 8 (16-byte rows)";
    return std::nullopt;
}

std::optional<std::string> mma_unavailable(const GpuGemmProblem& p) {
    if (!is16(p.mode)) return "own-mma runs bf16 and fp16 only";
    const CudaDeviceInfo& d = cuda_device();
    if (d.cc_major < 8)
        return "own-mma needs compute capability 8.0 or newer (this is " + cc_text(d) + ")";
    return tensor_core_shape_reason(p);
}

std::optional<std::string> wgmma_unavailable(const GpuGemmProblem& p) {
    if (!is16(p.mode)) return "own-wgmma runs bf16 and fp16 only";
    const CudaDeviceInfo& d = cuda_device();
    if (!d.wgmma)
        return "own-wgmma needs a Hopper GPU, compute capability 9.0 (this is " + cc_text(d) + ")";
    if (!hgemm_sm90_wgmma_runnable())
        return "the sm_90a binary of hgemm_sm90_wgmma_128x256x64 does not load on this GPU";
    return tensor_core_shape_reason(p);
}

class SimtPlan final : public GpuGemmPlan {
  public:
    explicit SimtPlan(const GpuGemmProblem& p) : p_(p) {}
    void enqueue(cudaStream_t s) override { launch_sgemm_simt_128x128x8(p_, ops_, s); }
    std::string kernel_set() const override {
        return std::string("sgemm_simt_128x128x8") +
               (cuda_gemm::simt_vector_ok(p_.m, p_.n, p_.k, layout_index(p_.layout))
                    ? " (float4)"
                    : " (scalar loads)");
    }

  private:
    GpuGemmProblem p_;
};

class MmaPlan final : public GpuGemmPlan {
  public:
    explicit MmaPlan(const GpuGemmProblem& p) : p_(p) {}
    void enqueue(cudaStream_t s) override { launch_hgemm_sm80_mma_128x128x64(p_, ops_, s); }
    std::string kernel_set() const override { return "hgemm_sm80_mma_128x128x64"; }

  private:
    GpuGemmProblem p_;
};

class WgmmaPlan final : public GpuGemmPlan {
  public:
    explicit WgmmaPlan(const GpuGemmProblem& p) : p_(p) {}
    void bind(const GpuGemmOperands& ops) override {
        ops_ = ops;
        const GpuStorage t = gemm_ab_storage(p_.mode);
        const auto mj = cuda_gemm::layout_majors(layout_index(p_.layout));
        const auto M = std::uint64_t(p_.m), N = std::uint64_t(p_.n), K = std::uint64_t(p_.k);
        const auto tile = cuda_gemm::kWgmmaTile;
        // K-contiguous operands: one box of [tile rows][64 k]; M/N-contiguous: boxes of
        // [64 k][64 m or n], as many as the tile needs (the kernel's shared layout).
        ta_ = mj.a_k_contiguous
                  ? make_tma_2d_sw128(ops.a, t, M, K, std::uint64_t(ops.lda), tile.bm, 64)
                  : make_tma_2d_sw128(ops.a, t, K, M, std::uint64_t(ops.lda), 64, 64);
        tb_ = mj.b_k_contiguous
                  ? make_tma_2d_sw128(ops.b, t, N, K, std::uint64_t(ops.ldb), tile.bn, 64)
                  : make_tma_2d_sw128(ops.b, t, K, N, std::uint64_t(ops.ldb), 64, 64);
        bound_ = true;
    }
    void enqueue(cudaStream_t s) override {
        if (!bound_) throw CudaError("hgemm_sm90_wgmma_128x256x64: operands not bound");
        launch_hgemm_sm90_wgmma_128x256x64(p_, ta_, tb_, ops_.c, ops_.ldc, s);
    }
    std::string kernel_set() const override { return "hgemm_sm90_wgmma_128x256x64"; }

  private:
    GpuGemmProblem p_;
    CUtensorMap ta_{}, tb_{};
    bool bound_ = false;
};

GpuGemmBackend entry(std::string name, std::string desc, std::vector<GemmMode> modes,
                     std::function<std::optional<std::string>(const GpuGemmProblem&)> unavailable,
                     std::function<std::unique_ptr<GpuGemmPlan>(const GpuGemmProblem&)> make) {
    GpuGemmBackend b;
    b.name = std::move(name);
    b.description = std::move(desc);
    b.modes = std::move(modes);
    b.unavailable = std::move(unavailable);
    b.make_plan = std::move(make);
    return b;
}

}  // namespace

GpuGemmBackend own_simt_gemm_backend() {
    return entry("own-simt", "own fp32 SIMT kernel sgemm_simt_128x128x8", {GemmMode::fp32},
                 simt_unavailable, [](const GpuGemmProblem& p) -> std::unique_ptr<GpuGemmPlan> {
                     return std::make_unique<SimtPlan>(p);
                 });
}

GpuGemmBackend own_mma_gemm_backend() {
    return entry("own-mma", "own bf16/fp16 mma.sync kernel hgemm_sm80_mma_128x128x64 (sm_80+)",
                 {GemmMode::bf16, GemmMode::fp16}, mma_unavailable,
                 [](const GpuGemmProblem& p) -> std::unique_ptr<GpuGemmPlan> {
                     return std::make_unique<MmaPlan>(p);
                 });
}

GpuGemmBackend own_wgmma_gemm_backend() {
    return entry("own-wgmma", "own bf16/fp16 wgmma+TMA kernel hgemm_sm90_wgmma_128x256x64 (sm_90a)",
                 {GemmMode::bf16, GemmMode::fp16}, wgmma_unavailable,
                 [](const GpuGemmProblem& p) -> std::unique_ptr<GpuGemmPlan> {
                     return std::make_unique<WgmmaPlan>(p);
                 });
}

GpuGemmBackend own_cuda_gemm_backend() {
    auto unavailable = [](const GpuGemmProblem& p) -> std::optional<std::string> {
        if (p.mode == GemmMode::fp32) return simt_unavailable(p);
        if (!is16(p.mode))
            return "no own kernel for " + std::string(gemm_mode_name(p.mode)) + " (use cublas)";
        if (!wgmma_unavailable(p)) return std::nullopt;
        return mma_unavailable(p);
    };
    auto make = [](const GpuGemmProblem& p) -> std::unique_ptr<GpuGemmPlan> {
        if (p.mode == GemmMode::fp32) return std::make_unique<SimtPlan>(p);
        if (!wgmma_unavailable(p)) return std::make_unique<WgmmaPlan>(p);
        return std::make_unique<MmaPlan>(p);
    };
    return entry("own", "best own kernel: fp32 SIMT; bf16/fp16 wgmma on sm_90, else mma.sync",
                 {GemmMode::fp32, GemmMode::bf16, GemmMode::fp16}, unavailable, make);
}

}  // namespace flopmeter
