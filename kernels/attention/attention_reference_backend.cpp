// The `reference` attention backend: the oracle (attention_reference.hpp, double accumulation,
// scores materialised per row) as a timed baseline, parallel over (batch, head) rows forward and
// over (batch, kv head) backward, where each unit owns its dK and dV rows.
#include <algorithm>
#include <atomic>
#include <vector>

#include "core/bf16.hpp"
#include "core/thread_pool.hpp"
#include "kernels/attention/attention_backend.hpp"
#include "kernels/attention/attention_reference.hpp"

namespace flopmeter {
namespace {

class ReferenceAttentionPlan final : public AttentionPlan {
  public:
    ReferenceAttentionPlan(const AttentionProblem& p, AttentionPass pass, int threads)
        : p_(p), pass_(pass), pool_(&shared_thread_pool(threads)), scale_(attention_scale(p)) {}

    void forward(const AttentionOperands& ops) override {
        if (p_.dtype == DType::bf16)
            fwd<bf16>(ops);
        else
            fwd<float>(ops);
    }
    void backward(const AttentionOperands& ops) override {
        if (p_.dtype == DType::bf16)
            bwd<bf16>(ops);
        else
            bwd<float>(ops);
    }

    std::string kernel_set() const override {
        return "reference (double accumulation, scores materialised per row)";
    }
    std::string binding() const override { return pool_->binding(); }
    double workspace_bytes() const override {
        const flops::AttentionShape& s = p_.shape;
        double w = 0;
        if (pass_has_fwd(pass_)) w += 8.0 * double(s.seq_k) * pool_->size();
        if (pass_has_bwd(pass_))
            w += 8.0 * double(s.seq_k * (s.head_dim + s.value_dim) + s.head_dim) * pool_->size();
        return w;
    }
    double fwd_pairs_per_head() const override {
        return flops::attention_pairs(p_.shape.seq_q, p_.shape.seq_k, p_.shape.causal);
    }
    double bwd_pairs_per_head() const override { return fwd_pairs_per_head(); }
    bool bwd_recomputes_scores() const override { return true; }

  private:
    template <class In>
    void fwd(const AttentionOperands& ops) {
        const flops::AttentionShape& s = p_.shape;
        const In* q = static_cast<const In*>(ops.q);
        const In* k = static_cast<const In*>(ops.k);
        const In* v = static_cast<const In*>(ops.v);
        std::atomic<std::int64_t> next{0};
        const std::int64_t rows = s.batch * s.heads * s.seq_q;
        pool_->run([&](int) {
            std::vector<double> scores(std::size_t(s.seq_k));
            for (;;) {
                const std::int64_t r0 = next.fetch_add(64);
                if (r0 >= rows) return;
                for (std::int64_t r = r0; r < std::min(rows, r0 + 64); ++r) {
                    const std::int64_t b = r / (s.heads * s.seq_q), h = (r / s.seq_q) % s.heads,
                                       i = r % s.seq_q;
                    attention_reference_fwd_row<In, double, float>(
                        s, scale_, q, k, v, b, h, i, scores.data(),
                        ops.o + attn_offset(b, i, h, s.seq_q, s.heads, s.value_dim),
                        ops.lse + (b * s.heads + h) * s.seq_q + i);
                }
            }
        });
    }

    template <class In>
    void bwd(const AttentionOperands& ops) {
        const flops::AttentionShape& s = p_.shape;
        std::atomic<std::int64_t> next{0};
        pool_->run([&](int) {
            std::vector<double> dk(std::size_t(s.seq_k * s.head_dim)),
                dv(std::size_t(s.seq_k * s.value_dim)), dq(std::size_t(s.head_dim));
            for (;;) {
                const std::int64_t x = next.fetch_add(1);
                if (x >= s.batch * s.kv_heads) return;
                attention_reference_bwd_group<In, float, double, float>(
                    s, scale_, static_cast<const In*>(ops.q), static_cast<const In*>(ops.k),
                    static_cast<const In*>(ops.v), ops.o, ops.d_o, ops.lse, x / s.kv_heads,
                    x % s.kv_heads, ops.dq, ops.dk, ops.dv, dk.data(), dv.data(), dq.data());
            }
        });
    }

    AttentionProblem p_;
    AttentionPass pass_;
    ThreadPool* pool_;
    double scale_;
};

}  // namespace

AttentionBackend reference_attention_backend() {
    AttentionBackend b;
    b.name = "reference";
    b.description =
        "the oracle: naive attention with materialised scores and double accumulation (slow)";
    b.dtypes = {DType::fp32, DType::bf16};
    b.unavailable = [](DType) -> std::optional<std::string> { return std::nullopt; };
    b.refuses = [](const AttentionProblem&, AttentionPass) -> std::optional<std::string> {
        return std::nullopt;
    };
    b.make_plan = [](const AttentionProblem& p, AttentionPass pass,
                     int threads) -> std::unique_ptr<AttentionPlan> {
        return std::make_unique<ReferenceAttentionPlan>(p, pass, threads);
    };
    b.warnings = [] { return std::vector<std::string>{}; };
    return b;
}

}  // namespace flopmeter
