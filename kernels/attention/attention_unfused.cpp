// The `unfused` attention backend: what an eager framework's math path does, on a GEMM backend
// (own or OpenBLAS: both honour strided leading dimensions, so Q, K, V are read in place from
// [B, S, heads, dim]):
//   forward:  S = scale Q K^T for every (batch, head)         GEMM nt, Sq x Sk x D, alpha = scale
//             P = softmax(S) in place, masked keys 0, LSE      a separate vectorised pass
//             O = P V                                          GEMM nn, Sq x Dv x Sk
//   backward (autograd of the above, P kept from the forward):
//             dV += P^T dO  (per query head into its kv head)  GEMM tn
//             dP = dO V^T                                      GEMM nt
//             dS = P (dP - rowsum(P dP)) scale                 a separate pass
//             dQ = dS K,  dK += dS^T Q                         GEMM nn, tn
// Every step runs over the whole batch before the next, so the B x H x Sq x Sk score tensor
// (and its gradient) is materialised: extra memory O(S^2), refused up front when it does not
// fit. With bf16 inputs the GEMMs take bf16 operands (P, dO and dS rounded to bf16 as autocast
// does) and produce fp32. No tile is skipped: executed FLOPs are over all Sq x Sk pairs
// (2*(D + Dv) forward, 2*(2D + 2Dv) backward per pair).
#include <algorithm>
#include <cstdio>

#include "core/aligned_buffer.hpp"
#include "core/bf16.hpp"
#include "core/error.hpp"
#include "core/isa.hpp"
#include "core/memory_info.hpp"
#include "core/thread_pool.hpp"
#include "kernels/attention/attention_backend.hpp"
#include "kernels/attention/attention_reference.hpp"
#include "kernels/attention/attn_kernels.hpp"
#include "kernels/gemm/gemm_backend.hpp"

namespace flopmeter {
namespace {

// Extra memory of the eager algorithm: the fp32 S/P matrices (+ a bf16 copy of P for bf16
// GEMMs), and for the backward dP/dS likewise (+ a bf16 copy of dO).
double unfused_fwd_bytes(const AttentionProblem& p) {
    const flops::AttentionShape& s = p.shape;
    const double scores = double(s.batch) * double(s.heads) * double(s.seq_q) * double(s.seq_k);
    return scores * (4.0 + (p.dtype == DType::bf16 ? 2.0 : 0.0));
}
double unfused_bwd_bytes(const AttentionProblem& p) {
    return unfused_fwd_bytes(p) +
           (p.dtype == DType::bf16 ? double(attention_sizes(p.shape).o) * 2.0 : 0.0);
}

std::optional<std::string> unfused_refusal(const AttentionProblem& p, AttentionPass pass) {
    const double need = unfused_fwd_bytes(p) + (pass_has_bwd(pass) ? unfused_bwd_bytes(p) : 0.0);
    const double have = double(available_memory_bytes()) - attention_footprint_bytes(p, pass);
    if (available_memory_bytes() <= 0 || need <= 0.8 * have) return std::nullopt;
    char buf[400];
    std::snprintf(buf, sizeof buf,
                  "unfused attention materialises the B x H x Sq x Sk score matrices: %.2f GiB for "
                  "%s (%s), but only "
                  "%.2f GiB of memory is free beside the tensors; use --backend own (its extra "
                  "memory is O(S))",
                  need / 1073741824.0, describe(p).c_str(),
                  std::string(attention_pass_name(pass)).c_str(),
                  std::max(0.0, have) / 1073741824.0);
    return std::string(buf);
}

class UnfusedAttentionPlan final : public AttentionPlan {
  public:
    UnfusedAttentionPlan(const AttentionProblem& p, AttentionPass pass, int threads,
                         const std::string& gemm)
        : p_(p),
          pass_(pass),
          threads_(threads),
          gemm_(&find_gemm_backend(gemm)),
          ks_(&attn::choose_kernel_set(isa_active())),
          pool_(&shared_thread_pool(threads)) {
        const flops::AttentionShape& s = p.shape;
        b16_ = p.dtype == DType::bf16;
        if (auto why = unfused_refusal(p, pass)) throw UnavailableError(*why);
        const double scores = double(s.batch) * double(s.heads) * double(s.seq_q) * double(s.seq_k);
        fwd_bytes_ = unfused_fwd_bytes(p);
        bwd_bytes_ = unfused_bwd_bytes(p);
        const DType gt = p.dtype;  // GEMM input dtype; C is fp32 either way
        const double scale = attention_scale(p);
        scale_ = float(scale);
        qk_ = make({s.seq_q, s.seq_k, s.head_dim, Layout::nt, gt, scale, 0.0});
        pv_ = make({s.seq_q, s.value_dim, s.seq_k, Layout::nn, gt, 1.0, 0.0});
        if (pass_has_bwd(pass)) {
            dv0_ = make({s.seq_k, s.value_dim, s.seq_q, Layout::tn, gt, 1.0, 0.0});
            dv1_ = make({s.seq_k, s.value_dim, s.seq_q, Layout::tn, gt, 1.0, 1.0});
            dp_ = make({s.seq_q, s.seq_k, s.value_dim, Layout::nt, gt, 1.0, 0.0});
            dq_ = make({s.seq_q, s.head_dim, s.seq_k, Layout::nn, gt, 1.0, 0.0});
            dk0_ = make({s.seq_k, s.head_dim, s.seq_q, Layout::tn, gt, 1.0, 0.0});
            dk1_ = make({s.seq_k, s.head_dim, s.seq_q, Layout::tn, gt, 1.0, 1.0});
        }
        s_.reset(std::size_t(scores) * 4);
        if (b16_) p16_.reset(std::size_t(scores) * 2);
        if (pass_has_bwd(pass)) {
            ds_.reset(std::size_t(scores) * 4);
            if (b16_) {
                ds16_.reset(std::size_t(scores) * 2);
                do16_.reset(std::size_t(attention_sizes(s).o) * 2);
            }
        }
    }

    void forward(const AttentionOperands& ops) override {
        const flops::AttentionShape& s = p_.shape;
        const std::int64_t esz = std::int64_t(dtype_size(p_.dtype)), ss = s.seq_q * s.seq_k;
        const char* q = static_cast<const char*>(ops.q);
        const char* k = static_cast<const char*>(ops.k);
        const char* v = static_cast<const char*>(ops.v);
        float* S = s_.as<float>();
        for (std::int64_t b = 0; b < s.batch; ++b)
            for (std::int64_t h = 0; h < s.heads; ++h) {
                const std::int64_t g = attn_kv_head(s, h);
                qk_->run({q + attn_offset(b, 0, h, s.seq_q, s.heads, s.head_dim) * esz,
                          k + attn_offset(b, 0, g, s.seq_k, s.kv_heads, s.head_dim) * esz,
                          S + (b * s.heads + h) * ss, s.heads * s.head_dim, s.kv_heads * s.head_dim,
                          s.seq_k});
            }
        attn::SoftmaxArgs sa;
        sa.seq_q = s.seq_q;
        sa.seq_k = s.seq_k;
        sa.causal = s.causal;
        sa.s = S;
        sa.p16 = b16_ ? p16_.as<bf16>() : nullptr;
        sa.lse = ops.lse;
        rows_parallel(s.batch * s.heads * s.seq_q,
                      [&](std::int64_t r0, std::int64_t n) { ks_->softmax(sa, r0, n); });
        const char* P =
            b16_ ? static_cast<const char*>(p16_.data()) : static_cast<const char*>(s_.data());
        for (std::int64_t b = 0; b < s.batch; ++b)
            for (std::int64_t h = 0; h < s.heads; ++h) {
                const std::int64_t g = attn_kv_head(s, h);
                pv_->run({P + (b * s.heads + h) * ss * esz,
                          v + attn_offset(b, 0, g, s.seq_k, s.kv_heads, s.value_dim) * esz,
                          ops.o + attn_offset(b, 0, h, s.seq_q, s.heads, s.value_dim), s.seq_k,
                          s.kv_heads * s.value_dim, s.heads * s.value_dim});
            }
    }

    void backward(const AttentionOperands& ops) override {
        if (!dp_)
            throw UsageError("this unfused attention plan was made for the forward pass only");
        const flops::AttentionShape& s = p_.shape;
        const std::int64_t esz = std::int64_t(dtype_size(p_.dtype)), ss = s.seq_q * s.seq_k,
                           group = s.heads / s.kv_heads;
        const char* q = static_cast<const char*>(ops.q);
        const char* k = static_cast<const char*>(ops.k);
        const char* v = static_cast<const char*>(ops.v);
        const char* P =
            b16_ ? static_cast<const char*>(p16_.data()) : static_cast<const char*>(s_.data());
        const char* dO = reinterpret_cast<const char*>(ops.d_o);
        if (b16_) {  // autocast: the incoming gradient enters the bf16 GEMMs as bf16
            bf16* d = do16_.as<bf16>();
            const std::int64_t n = attention_sizes(s).o;
            rows_parallel(n, [&](std::int64_t i0, std::int64_t cnt) {
                for (std::int64_t i = i0; i < i0 + cnt; ++i) d[i] = bf16(ops.d_o[i]);
            });
            dO = reinterpret_cast<const char*>(d);
        }
        float* dP = ds_.as<float>();
        for (std::int64_t b = 0; b < s.batch; ++b)
            for (std::int64_t h = 0; h < s.heads; ++h) {
                const std::int64_t g = attn_kv_head(s, h);
                const char* dOh = dO + attn_offset(b, 0, h, s.seq_q, s.heads, s.value_dim) * esz;
                (h % group == 0 ? dv0_ : dv1_)
                    ->run({P + (b * s.heads + h) * ss * esz, dOh,
                           ops.dv + attn_offset(b, 0, g, s.seq_k, s.kv_heads, s.value_dim), s.seq_k,
                           s.heads * s.value_dim, s.kv_heads * s.value_dim});
                dp_->run({dOh, v + attn_offset(b, 0, g, s.seq_k, s.kv_heads, s.value_dim) * esz,
                          dP + (b * s.heads + h) * ss, s.heads * s.value_dim,
                          s.kv_heads * s.value_dim, s.seq_k});
            }
        attn::SoftmaxArgs sa;
        sa.seq_q = s.seq_q;
        sa.seq_k = s.seq_k;
        sa.causal = s.causal;
        sa.scale = scale_;
        sa.s = dP;
        sa.p16 = b16_ ? ds16_.as<bf16>() : nullptr;
        sa.p = b16_ ? nullptr : s_.as<float>();
        sa.p_in16 = b16_ ? p16_.as<bf16>() : nullptr;
        rows_parallel(s.batch * s.heads * s.seq_q,
                      [&](std::int64_t r0, std::int64_t n) { ks_->softmax_bwd(sa, r0, n); });
        const char* dS =
            b16_ ? static_cast<const char*>(ds16_.data()) : static_cast<const char*>(ds_.data());
        for (std::int64_t b = 0; b < s.batch; ++b)
            for (std::int64_t h = 0; h < s.heads; ++h) {
                const std::int64_t g = attn_kv_head(s, h);
                const char* dSh = dS + (b * s.heads + h) * ss * esz;
                dq_->run({dSh, k + attn_offset(b, 0, g, s.seq_k, s.kv_heads, s.head_dim) * esz,
                          ops.dq + attn_offset(b, 0, h, s.seq_q, s.heads, s.head_dim), s.seq_k,
                          s.kv_heads * s.head_dim, s.heads * s.head_dim});
                (h % group == 0 ? dk0_ : dk1_)
                    ->run({dSh, q + attn_offset(b, 0, h, s.seq_q, s.heads, s.head_dim) * esz,
                           ops.dk + attn_offset(b, 0, g, s.seq_k, s.kv_heads, s.head_dim), s.seq_k,
                           s.heads * s.head_dim, s.kv_heads * s.head_dim});
            }
    }

    std::string kernel_set() const override {
        return "unfused: " + qk_->kernel_set() + " + softmax_rows_" +
               std::string(isa_name(ks_->isa));
    }
    std::string binding() const override { return qk_->binding(); }
    double workspace_bytes() const override {
        double w =
            (pass_has_fwd(pass_) ? fwd_bytes_ : 0.0) + (pass_has_bwd(pass_) ? bwd_bytes_ : 0.0);
        for (const auto* g : {&qk_, &pv_, &dv0_, &dv1_, &dp_, &dq_, &dk0_, &dk1_})
            if (*g) w += (*g)->workspace_bytes();
        return w;
    }
    double fwd_pairs_per_head() const override {
        return double(p_.shape.seq_q) * double(p_.shape.seq_k);
    }
    double bwd_pairs_per_head() const override { return fwd_pairs_per_head(); }
    bool bwd_recomputes_scores() const override { return false; }
    double intermediate_roundoff() const override {
        return b16_ ? 1.0 / 256.0 : 0.0;
    }  // bf16: 8 significant bits

  private:
    std::unique_ptr<GemmPlan> make(const GemmProblem& g) {
        return make_gemm_plan(*gemm_, g, threads_);
    }

    // f(first, count) over [0, n) split evenly across the pool.
    template <class F>
    void rows_parallel(std::int64_t n, F&& f) {
        const int t = pool_->size();
        pool_->run([&](int tid) {
            const std::int64_t lo = n * tid / t, hi = n * (tid + 1) / t;
            if (hi > lo) f(lo, hi - lo);
        });
    }

    AttentionProblem p_;
    AttentionPass pass_;
    int threads_;
    const GemmBackend* gemm_;
    const attn::KernelSet* ks_;
    ThreadPool* pool_;
    bool b16_ = false;
    float scale_ = 0;
    double fwd_bytes_ = 0, bwd_bytes_ = 0;
    std::unique_ptr<GemmPlan> qk_, pv_, dv0_, dv1_, dp_, dq_, dk0_, dk1_;
    AlignedBuffer s_, p16_, ds_, ds16_, do16_;
};

}  // namespace

AttentionBackend unfused_attention_backend(const std::string& gemm) {
    AttentionBackend b;
    b.name = "unfused:" + gemm;
    b.description = "eager-style attention: " + gemm +
                    " GEMMs for QK^T and PV plus a separate softmax pass (S x S materialised)";
    b.dtypes = {DType::fp32, DType::bf16};
    b.unavailable = [gemm](DType t) -> std::optional<std::string> {
        const GemmBackend& g = find_gemm_backend(gemm);
        if (!g.supports(t))
            return "its GEMM backend '" + gemm + "' does not support " + std::string(dtype_name(t));
        if (auto why = g.unavailable(t)) return "its GEMM backend '" + gemm + "': " + *why;
        return std::nullopt;
    };
    b.refuses = unfused_refusal;
    b.make_plan = [gemm](const AttentionProblem& p, AttentionPass pass,
                         int threads) -> std::unique_ptr<AttentionPlan> {
        return std::make_unique<UnfusedAttentionPlan>(p, pass, threads, gemm);
    };
    b.warnings = [gemm] { return find_gemm_backend(gemm).warnings(); };
    return b;
}

}  // namespace flopmeter
