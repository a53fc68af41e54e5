// Attention backends: "flash" (own fused forward/backward, flash_fwd_sm80 / flash_bwd_sm80) and
// "unfused" (forward as cuBLAS batched GEMM S = scale*Q K^T in fp32, softmax_rows to P in the
// input type, cuBLAS batched GEMM O = P V; the baseline the fused kernel is measured against).
#include <cublas_v2.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "kernels/cuda/attention/flash_attention.hpp"
#include "kernels/cuda/attention/flash_plan.hpp"
#include "kernels/cuda/attention/gpu_attention_backend.hpp"
#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/cuda_context.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "kernels/cuda/common/device_buffer.hpp"

namespace flopmeter {

namespace {

std::string cc_text(const CudaDeviceInfo& d) {
    return std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor);
}

std::optional<std::string> flash_unavailable(const GpuAttentionProblem& p) {
    const CudaDeviceInfo& d = cuda_device();
    if (d.cc_major < 8)
        return "the flash kernels need compute capability 8.0 or newer (this is " + cc_text(d) +
               ")";
    if (p.head_dim != 64 && p.head_dim != 128)
        return "the flash kernels support head_dim 64 and 128";
    return std::nullopt;
}

// The Hopper forward runs where its sm_90a binary loads (head_dim 128); everything else, and the
// backward, runs the portable sm_80 kernels.
bool use_sm90_forward(const GpuAttentionProblem& p) {
    return !p.backward && p.head_dim == 128 && cuda_device().wgmma && flash_fwd_sm90_runnable();
}

class FlashPlan final : public GpuAttentionPlan {
  public:
    FlashPlan(const GpuAttentionProblem& p, bool allow_sm90)
        : p_(p), sm90_(allow_sm90 && use_sm90_forward(p)) {
        tiling_ = sm90_ ? cuda_attn::kFwdSm90 : cuda_attn::kFwdSm80;
        if (!p.backward) {
            const cuda_attn::FwdGeometry g =
                cuda_attn::fwd_geometry(p.heads, p.kv_heads, p.seq_q, p.seq_k, 1, tiling_);
            splits_ = cuda_attn::choose_fwd_splits(g.m_blocks * p.batch * p.kv_heads, g.kv_blocks,
                                                   cuda_device().sms);
            if (splits_ > 1) {
                const std::size_t rows =
                    std::size_t(splits_) * std::size_t(p.batch * p.heads * p.seq_q);
                o_part_ = DeviceBuffer(rows * std::size_t(p.head_dim) * 4,
                                       "flash-decoding partial outputs");
                lse_part_ = DeviceBuffer(rows * 4, "flash-decoding partial log-sum-exps");
            }
        } else {
            dq_accum_ = DeviceBuffer(std::size_t(attn_q_elems(p)) * 4, "the dQ accumulator");
            delta_ = DeviceBuffer(std::size_t(attn_lse_elems(p)) * 4, "rowsum(dO*O)");
        }
    }
    void enqueue(cudaStream_t s) override {
        if (!p_.backward) {
            FlashFwdLaunch a;
            a.q = ops_.q;
            a.k = ops_.k;
            a.v = ops_.v;
            a.o = ops_.o;
            a.lse = ops_.lse;
            a.o_part = o_part_.as<float>();
            a.lse_part = lse_part_.as<float>();
            a.splits = splits_;
            if (sm90_)
                launch_flash_fwd_sm90(p_, a, s);
            else
                launch_flash_fwd_sm80(p_, a, s);
        } else {
            FlashBwdLaunch a;
            a.q = ops_.q;
            a.k = ops_.k;
            a.v = ops_.v;
            a.o = ops_.o;
            a.d_o = ops_.d_o;
            a.lse = ops_.lse;
            a.dq = ops_.dq;
            a.dk = ops_.dk;
            a.dv = ops_.dv;
            a.dq_accum = dq_accum_.as<float>();
            a.delta = delta_.as<float>();
            launch_flash_bwd_sm80(p_, a, s);
        }
    }
    std::string kernel_set() const override {
        if (p_.backward) return "flash_bwd_sm80_64x64 (d" + std::to_string(p_.head_dim) + ")";
        return std::string(sm90_ ? "flash_fwd_sm90_128x128" : "flash_fwd_sm80_128x64") + " (d" +
               std::to_string(p_.head_dim) +
               (splits_ > 1 ? ", " + std::to_string(splits_) + " splits" : "") + ")";
    }
    double workspace_bytes() const override {
        return double(o_part_.size() + lse_part_.size() + dq_accum_.size() + delta_.size());
    }
    double executed_flops() const override {
        return p_.backward
                   ? cuda_attn::flash_bwd_executed_flops(p_.batch, p_.heads, p_.kv_heads, p_.seq_q,
                                                         p_.seq_k, p_.head_dim, p_.causal)
                   : cuda_attn::flash_fwd_executed_flops(p_.batch, p_.heads, p_.kv_heads, p_.seq_q,
                                                         p_.seq_k, p_.head_dim, p_.causal, tiling_);
    }
    int splits() const { return splits_; }

  private:
    GpuAttentionProblem p_;
    bool sm90_ = false;
    cuda_attn::FwdTiling tiling_ = cuda_attn::kFwdSm80;
    int splits_ = 1;
    DeviceBuffer o_part_, lse_part_, dq_accum_, delta_;
};

std::optional<std::string> unfused_unavailable(const GpuAttentionProblem& p) {
    if (p.backward) return "the unfused baseline is forward only";
    return std::nullopt;
}

class UnfusedPlan final : public GpuAttentionPlan {
  public:
    explicit UnfusedPlan(const GpuAttentionProblem& p) : p_(p) {
        const std::size_t n =
            std::size_t(p.batch * p.heads) * std::size_t(p.seq_q) * std::size_t(p.seq_k);
        s_ = DeviceBuffer(n * 4, "the unfused baseline's fp32 scores S");
        pm_ = DeviceBuffer(n * gpu_storage_size(p.dtype), "the unfused baseline's probabilities P");
        const std::size_t batch = std::size_t(p.batch * p.heads);
        ptrs_ = DeviceBuffer(6 * batch * sizeof(void*), "the batched-GEMM pointer arrays");
    }
    void bind(const GpuAttnOperands& ops) override {
        ops_ = ops;
        const GpuAttentionProblem& p = p_;
        const std::size_t batch = std::size_t(p.batch * p.heads), es = gpu_storage_size(p.dtype);
        const std::int64_t hpg = p.heads / p.kv_heads, D = p.head_dim;
        std::vector<const void*> host(6 * batch);
        auto at = [](const void* base, std::int64_t elems, std::size_t esize) {
            return static_cast<const void*>(static_cast<const char*>(base) +
                                            std::size_t(elems) * esize);
        };
        for (std::int64_t b = 0; b < p.batch; ++b)
            for (std::int64_t h = 0; h < p.heads; ++h) {
                const std::size_t i = std::size_t(b * p.heads + h);
                const std::int64_t g = h / hpg;
                host[0 * batch + i] = at(ops.q, (b * p.seq_q * p.heads + h) * D, es);
                host[1 * batch + i] = at(ops.k, (b * p.seq_k * p.kv_heads + g) * D, es);
                host[2 * batch + i] = at(s_.data(), std::int64_t(i) * p.seq_q * p.seq_k, 4);
                host[3 * batch + i] = at(pm_.data(), std::int64_t(i) * p.seq_q * p.seq_k, es);
                host[4 * batch + i] = at(ops.v, (b * p.seq_k * p.kv_heads + g) * D, es);
                host[5 * batch + i] = at(ops.o, (b * p.seq_q * p.heads + h) * D, es);
            }
        FM_CUDA(cudaMemcpy(ptrs_.data(), host.data(), host.size() * sizeof(void*),
                           cudaMemcpyHostToDevice));
    }
    void enqueue(cudaStream_t st) override {
        const GpuAttentionProblem& p = p_;
        cublasHandle_t h = cuda_context().blas;
        FM_CUBLAS(cublasSetStream(h, st));
        const int batch = int(p.batch * p.heads);
        const cudaDataType_t t = p.dtype == GpuStorage::bf16 ? CUDA_R_16BF : CUDA_R_16F;
        auto arr = [&](int k) {
            return static_cast<void**>(ptrs_.data()) + std::size_t(k) * std::size_t(batch);
        };
        const float scale = float(1.0 / std::sqrt(double(p.head_dim))), one = 1.f, zero = 0.f;
        const int D = int(p.head_dim), sq = int(p.seq_q), sk = int(p.seq_k);
        const int ldq = int(p.heads * p.head_dim), ldk = int(p.kv_heads * p.head_dim);
        // S (row-major sq x sk) = scale * Q K^T: column-major S^T = K Q^T.
        FM_CUBLAS(cublasGemmBatchedEx(h, CUBLAS_OP_T, CUBLAS_OP_N, sk, sq, D, &scale, arr(1), t,
                                      ldk, arr(0), t, ldq, &zero, arr(2), CUDA_R_32F, sk, batch,
                                      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
        launch_softmax_rows(s_.as<float>(), pm_.data(), ops_.lse, std::int64_t(batch) * p.seq_q,
                            p.seq_q, p.seq_k, p.causal, p.dtype, st);
        // O (row-major sq x D) = P V: column-major O^T = V^T P^T.
        FM_CUBLAS(cublasGemmBatchedEx(h, CUBLAS_OP_N, CUBLAS_OP_N, D, sq, sk, &one, arr(4), t, ldk,
                                      arr(3), t, sk, &zero, arr(5), t, ldq, batch,
                                      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    }
    std::string kernel_set() const override {
        return "cuBLAS batched GEMM + softmax_rows + cuBLAS batched GEMM";
    }
    double workspace_bytes() const override {
        return double(s_.size() + pm_.size() + ptrs_.size());
    }
    double executed_flops() const override {
        return 2.0 * double(p_.batch * p_.heads) * double(p_.seq_q) * double(p_.seq_k) *
               double(2 * p_.head_dim);
    }

  private:
    GpuAttentionProblem p_;
    DeviceBuffer s_, pm_, ptrs_;
};

}  // namespace

const std::vector<GpuAttentionBackend>& gpu_attention_backends() {
    static const std::vector<GpuAttentionBackend> v = {
        {"flash",
         "own fused flash attention: forward on wgmma (sm_90a, d128) or mma.sync (sm_80+), "
         "backward mma.sync; "
         "causal, GQA, decode",
         flash_unavailable,
         [](const GpuAttentionProblem& p) -> std::unique_ptr<GpuAttentionPlan> {
             return std::make_unique<FlashPlan>(p, true);
         }},
        {"flash-sm80", "own fused flash attention, the portable mma.sync kernels only (sm_80+)",
         flash_unavailable,
         [](const GpuAttentionProblem& p) -> std::unique_ptr<GpuAttentionPlan> {
             return std::make_unique<FlashPlan>(p, false);
         }},
        {"unfused",
         "baseline: cuBLAS batched GEMMs with a softmax kernel between (S and P in memory), "
         "forward only",
         unfused_unavailable,
         [](const GpuAttentionProblem& p) -> std::unique_ptr<GpuAttentionPlan> {
             return std::make_unique<UnfusedPlan>(p);
         }},
    };
    return v;
}

std::string gpu_attention_backend_names() {
    std::string s;
    for (const auto& b : gpu_attention_backends()) s += (s.empty() ? "" : ", ") + b.name;
    return s;
}

const GpuAttentionBackend& find_gpu_attention_backend(std::string_view name) {
    for (const auto& b : gpu_attention_backends())
        if (b.name == name) return b;
    throw UsageError("unknown GPU attention backend '" + std::string(name) +
                     "' (valid: " + gpu_attention_backend_names() + ")");
}

std::unique_ptr<GpuAttentionPlan> make_gpu_attention_plan(const GpuAttentionBackend& b,
                                                          const GpuAttentionProblem& p) {
    if (auto why = b.unavailable(p))
        throw UnavailableError("backend '" + b.name + "' cannot run attention " + describe(p) +
                               ": " + *why);
    return b.make_plan(p);
}

}  // namespace flopmeter
