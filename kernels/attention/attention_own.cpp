// The `own` attention backend: kernel-set choice (runtime ISA dispatch), workspace, and the
// parallel schedule of the fused kernels on the pinned thread pool. The arithmetic is in the
// ISA files (flash_fwd_*, flash_bwd_*, decode_*), the algorithms in their *_body.hpp.
//
// Forward: Sq <= kDecodeMaxSeqQ uses the split-K decode kernel (memory-bound: K and V read
// once, straight from the cache layout); longer queries use the tiled flash kernel: K and V
// packed per key tile (parallel over batch x kv heads x key tiles), then query tiles in
// parallel over batch x heads x query tiles, taken from a shared counter so uneven causal work
// balances.
// Backward: rows pass (D_i, LSE2, dQ = 0) over batch x heads x query tiles, then key tiles in
// parallel over batch x kv heads x key tiles.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>

#include "core/aligned_buffer.hpp"
#include "core/error.hpp"
#include "core/isa.hpp"
#include "core/thread_pool.hpp"
#include "kernels/attention/attention_backend.hpp"
#include "kernels/attention/attention_reference.hpp"
#include "kernels/attention/attn_exp2.hpp"
#include "kernels/attention/attn_kernels.hpp"

namespace flopmeter {
namespace {

constexpr std::int64_t kDecodeMaxSeqQ =
    kAttentionDecodeMaxSeqQ;                   // query rows per head up to which decode is used
constexpr std::int64_t kDecodeMinChunk = 512;  // keys per decode chunk at least

template <class F>
void parallel_items(ThreadPool& pool, std::int64_t items, F&& f) {
    std::atomic<std::int64_t> next{0};
    pool.run([&](int tid) {
        for (;;) {
            const std::int64_t i = next.fetch_add(1, std::memory_order_relaxed);
            if (i >= items) return;
            f(tid, i);
        }
    });
}

class OwnAttentionPlan final : public AttentionPlan {
  public:
    OwnAttentionPlan(const AttentionProblem& p, AttentionPass pass, int threads)
        : p_(p),
          pass_(pass),
          ks_(&attn::choose_kernel_set(isa_active())),
          pool_(&shared_thread_pool(threads)) {
        const flops::AttentionShape& s = p.shape;
        decode_ = s.seq_q <= kDecodeMaxSeqQ;
        const double scale = attention_scale(p);
        scale_ = float(scale);
        scale_log2_ = float(scale * double(attn::kLog2e));
        if (decode_) {
            const std::int64_t L = ks_->decode_block;
            const std::int64_t want =
                std::max<std::int64_t>(1, (4 * pool_->size() + s.batch - 1) / s.batch);
            const std::int64_t len =
                std::max(kDecodeMinChunk, attn::round_up((s.seq_k + want - 1) / want, L));
            dec_chunk_len_ = len;
            dec_chunks_ = (s.seq_k + len - 1) / len;
            dec_dp_ = attn::round_up(s.head_dim, L);
            dec_dvp_ = attn::round_up(s.value_dim, L);
            fwd_bytes_ =
                4.0 * (double(s.batch) * double(dec_chunks_) * double(s.heads) * double(s.seq_q) *
                           double(attn::decode_partial_stride(dec_dvp_)) +
                       double(pool_->size()) * double(attn::decode_scratch_floats(s, dec_dp_)));
        } else {
            const attn::TileSizes& t = ks_->fwd;
            ktiles_ = (s.seq_k + t.bk - 1) / t.bk;
            fwd_dvp_ = attn::round_up(s.value_dim, t.nr);
            const double tiles = double(s.batch) * double(s.kv_heads) * double(ktiles_);
            fwd_bytes_ = 4.0 * (tiles * double(t.bk) * double(s.head_dim + fwd_dvp_) +
                                double(pool_->size()) *
                                    double(attn::fwd_scratch_floats(t, s.head_dim, fwd_dvp_)));
        }
        {
            const attn::TileSizes& t = ks_->bwd;
            qtiles_ = (s.seq_q + t.bq - 1) / t.bq;
            bwd_dp_ = attn::round_up(s.head_dim, t.nr);
            bwd_dvp_ = attn::round_up(s.value_dim, t.nr);
            bwd_bytes_ = 4.0 * (2.0 * double(s.batch) * double(s.heads) * double(s.seq_q) +
                                double(pool_->size()) *
                                    double(attn::bwd_scratch_floats(t, s.head_dim, s.value_dim,
                                                                    bwd_dp_, bwd_dvp_))) +
                         double(sizeof(std::atomic<int>)) * double(s.batch) * double(s.heads) *
                             double(qtiles_);
        }
        if (pass_has_fwd(pass)) alloc_fwd();
        if (pass_has_bwd(pass)) alloc_bwd();
    }

    void forward(const AttentionOperands& ops) override {
        alloc_fwd();  // a backward-only plan runs one forward to make its inputs
        if (decode_)
            forward_decode(ops);
        else
            forward_tiled(ops);
    }

    void backward(const AttentionOperands& ops) override {
        alloc_bwd();
        const flops::AttentionShape& s = p_.shape;
        const attn::TileSizes& t = ks_->bwd;
        attn::BwdArgs a;
        a.s = s;
        a.bf16_in = p_.dtype == DType::bf16;
        a.scale = scale_;
        a.scale_log2 = scale_log2_;
        a.q = ops.q;
        a.k = ops.k;
        a.v = ops.v;
        a.o = ops.o;
        a.d_o = ops.d_o;
        a.lse = ops.lse;
        a.dq = ops.dq;
        a.dk = ops.dk;
        a.dv = ops.dv;
        const std::int64_t rows = s.batch * s.heads * s.seq_q;
        a.delta = bwd_rows_.as<float>();
        a.lse2 = a.delta + rows;
        a.locks = locks_.get();
        a.qtiles = qtiles_;
        a.dp = bwd_dp_;
        a.dvp = bwd_dvp_;
        parallel_items(*pool_, s.batch * s.heads * qtiles_, [&](int, std::int64_t i) {
            const std::int64_t bh = i / qtiles_;
            ks_->bwd_rows(a, bh / s.heads, bh % s.heads, i % qtiles_, t.bq);
        });
        // Head by head, so the threads share one group's Q, dO and dQ in cache; within a head the
        // first key tiles (causal: seen by the most query rows) first.
        const std::int64_t ktiles = (s.seq_k + t.bk - 1) / t.bk;
        parallel_items(*pool_, s.batch * s.kv_heads * ktiles, [&](int tid, std::int64_t i) {
            const std::int64_t bg = i / ktiles, kt = i % ktiles;
            ks_->bwd_tile(a, bg / s.kv_heads, bg % s.kv_heads, kt,
                          bwd_scratch_[std::size_t(tid)].as<float>());
        });
    }

    std::string kernel_set() const override {
        const bool b16 = p_.dtype == DType::bf16;
        std::string dt = b16 ? "bf16w" : "f32";  // bf16 inputs widened to fp32 while packing
        if (p_.kv != KvCache::same)
            dt += "_kv" + std::string(kv_cache_name(p_.kv));  // e.g. f32_kvint8
        std::string fwd;
        if (decode_) {
            fwd = "decode_" + dt + "_" + isa_name_str() + "_k" + std::to_string(ks_->decode_block) +
                  " x" + std::to_string(dec_chunks_) + " chunks";
        } else {
            const attn::TileSizes& t = ks_->fwd;
            fwd = "flash_fwd_" + dt + "_" + std::string(ks_->name) + " q" + std::to_string(t.bq) +
                  " k" + std::to_string(t.bk);
        }
        const attn::TileSizes& tb = ks_->bwd;
        const std::string bwd = "flash_bwd_" + dt + "_" + std::string(ks_->name) + " q" +
                                std::to_string(tb.bq) + " k" + std::to_string(tb.bk);
        switch (pass_) {
            case AttentionPass::fwd:
                return fwd;
            case AttentionPass::bwd:
                return bwd;
            default:
                return fwd + " + " + bwd;
        }
    }
    std::string binding() const override { return pool_->binding(); }
    double workspace_bytes() const override {
        return (pass_has_fwd(pass_) ? fwd_bytes_ : 0.0) + (pass_has_bwd(pass_) ? bwd_bytes_ : 0.0);
    }
    double fwd_pairs_per_head() const override {
        const flops::AttentionShape& s = p_.shape;
        // Decode: a row block computes each block of L keys up to the last key its rows see.
        if (decode_)
            return flops::attention_tiled_pairs(s.seq_q, s.seq_k, s.causal, s.seq_q,
                                                ks_->decode_block);
        // Work is done per register tile: MR query rows x NR keys up to the row group's last
        // visible key.
        return flops::attention_tiled_pairs(s.seq_q, s.seq_k, s.causal, ks_->fwd.mr, ks_->fwd.nr);
    }
    double bwd_pairs_per_head() const override {
        const flops::AttentionShape& s = p_.shape;
        return flops::attention_tiled_pairs(s.seq_q, s.seq_k, s.causal, ks_->bwd.bq, ks_->bwd.nr);
    }
    bool bwd_recomputes_scores() const override { return true; }

  private:
    std::string isa_name_str() const { return std::string(isa_name(ks_->isa)); }

    void alloc_fwd() {
        if (fwd_ready_) return;
        const flops::AttentionShape& s = p_.shape;
        const int n = pool_->size();
        if (decode_) {
            partial_.reset(std::size_t(s.batch * dec_chunks_ * s.heads * s.seq_q *
                                       attn::decode_partial_stride(dec_dvp_)) *
                           sizeof(float));
            for (int t = 0; t < n; ++t)
                fwd_scratch_.emplace_back(std::size_t(attn::decode_scratch_floats(s, dec_dp_)) *
                                          sizeof(float));
        } else {
            const attn::TileSizes& t = ks_->fwd;
            const std::size_t tiles = std::size_t(s.batch * s.kv_heads * ktiles_);
            kpack_.reset(tiles * std::size_t(s.head_dim * t.bk) * sizeof(float));
            vpack_.reset(tiles * std::size_t(t.bk * fwd_dvp_) * sizeof(float));
            for (int i = 0; i < n; ++i)
                fwd_scratch_.emplace_back(
                    std::size_t(attn::fwd_scratch_floats(t, s.head_dim, fwd_dvp_)) * sizeof(float));
        }
        fwd_ready_ = true;
    }

    void alloc_bwd() {
        if (bwd_ready_) return;
        const flops::AttentionShape& s = p_.shape;
        const attn::TileSizes& t = ks_->bwd;
        bwd_rows_.reset(std::size_t(2 * s.batch * s.heads * s.seq_q) * sizeof(float));
        const std::size_t nlocks = std::size_t(s.batch * s.heads * qtiles_);
        locks_ = std::make_unique<std::atomic<int>[]>(nlocks);
        for (std::size_t i = 0; i < nlocks; ++i) locks_[i].store(0);
        for (int i = 0; i < pool_->size(); ++i)
            bwd_scratch_.emplace_back(std::size_t(attn::bwd_scratch_floats(
                                          t, s.head_dim, s.value_dim, bwd_dp_, bwd_dvp_)) *
                                      sizeof(float));
        bwd_ready_ = true;
    }

    void forward_tiled(const AttentionOperands& ops) {
        const flops::AttentionShape& s = p_.shape;
        const attn::TileSizes& t = ks_->fwd;
        attn::FwdArgs a;
        a.s = s;
        a.bf16_in = p_.dtype == DType::bf16;
        a.scale_log2 = scale_log2_;
        a.q = ops.q;
        a.k = ops.k;
        a.v = ops.v;
        a.o = ops.o;
        a.lse = ops.lse;
        a.kpack = kpack_.as<float>();
        a.vpack = vpack_.as<float>();
        a.ktiles = ktiles_;
        a.dvp = fwd_dvp_;
        const std::int64_t bg = s.batch * s.kv_heads;
        parallel_items(*pool_, bg * ktiles_, [&](int, std::int64_t i) {
            const std::int64_t r = i / ktiles_;
            ks_->fwd_pack(a, r / s.kv_heads, r % s.kv_heads, i % ktiles_);
        });
        // Head by head, so the threads share one head's packed K/V in cache; within a head the
        // last (causal: longest) query tiles first, so the schedule ends on short tiles.
        const std::int64_t qtiles = (s.seq_q + t.bq - 1) / t.bq;
        parallel_items(*pool_, s.batch * s.heads * qtiles, [&](int tid, std::int64_t i) {
            const std::int64_t bh = i / qtiles, qt = qtiles - 1 - i % qtiles;
            ks_->fwd_tile(a, bh / s.heads, bh % s.heads, qt,
                          fwd_scratch_[std::size_t(tid)].as<float>());
        });
    }

    void forward_decode(const AttentionOperands& ops) {
        const flops::AttentionShape& s = p_.shape;
        attn::DecodeArgs a;
        a.s = s;
        a.bf16_in = p_.dtype == DType::bf16;
        a.kv = p_.kv;
        if (a.kv == KvCache::int8 && (!ops.k_scale || !ops.v_scale))
            throw UsageError("attention with an int8 KV cache needs the K and V scales");
        a.k_scale = ops.k_scale;
        a.v_scale = ops.v_scale;
        a.scale_log2 = scale_log2_;
        a.q = ops.q;
        a.k = ops.k;
        a.v = ops.v;
        a.chunks = dec_chunks_;
        a.chunk_len = dec_chunk_len_;
        a.dp = dec_dp_;
        a.dvp = dec_dvp_;
        a.partial = partial_.as<float>();
        parallel_items(*pool_, s.batch * dec_chunks_, [&](int tid, std::int64_t i) {
            ks_->decode(a, i / dec_chunks_, i % dec_chunks_,
                        fwd_scratch_[std::size_t(tid)].as<float>());
        });
        // Combine the chunks' (O, m, l): m = max m_c, l = sum l_c 2^(m_c - m), O = sum O_c 2^(m_c -
        // m) / l.
        const std::int64_t stride = attn::decode_partial_stride(dec_dvp_), Dv = s.value_dim;
        parallel_items(*pool_, s.batch * s.heads * s.seq_q, [&](int, std::int64_t r) {
            const std::int64_t b = r / (s.heads * s.seq_q), h = (r / s.seq_q) % s.heads,
                               i = r % s.seq_q;
            auto part = [&](std::int64_t c) {
                return a.partial + (((b * dec_chunks_ + c) * s.heads + h) * s.seq_q + i) * stride;
            };
            float m = -std::numeric_limits<float>::infinity();
            for (std::int64_t c = 0; c < dec_chunks_; ++c) m = std::max(m, part(c)[dec_dvp_]);
            float* out = ops.o + attn_offset(b, i, h, s.seq_q, s.heads, Dv);
            float* lse = ops.lse + (b * s.heads + h) * s.seq_q + i;
            if (m == -std::numeric_limits<float>::infinity()) {
                for (std::int64_t x = 0; x < Dv; ++x) out[x] = 0.0f;
                *lse = m;
                return;
            }
            for (std::int64_t x = 0; x < Dv; ++x) out[x] = 0.0f;
            float l = 0.0f;
            for (std::int64_t c = 0; c < dec_chunks_; ++c) {
                const float* pc = part(c);
                if (pc[dec_dvp_ + 1] == 0.0f) continue;
                const float w = std::exp2(pc[dec_dvp_] - m);
                l += pc[dec_dvp_ + 1] * w;
                for (std::int64_t x = 0; x < Dv; ++x) out[x] += pc[x] * w;
            }
            const float inv = 1.0f / l;
            for (std::int64_t x = 0; x < Dv; ++x) out[x] *= inv;
            *lse = (m + std::log2(l)) * attn::kLn2;
        });
    }

    AttentionProblem p_;
    AttentionPass pass_;
    const attn::KernelSet* ks_;
    ThreadPool* pool_;
    bool decode_ = false, fwd_ready_ = false, bwd_ready_ = false;
    float scale_ = 0, scale_log2_ = 0;
    std::int64_t ktiles_ = 0, fwd_dvp_ = 0, qtiles_ = 0, bwd_dp_ = 0, bwd_dvp_ = 0;
    std::int64_t dec_chunks_ = 1, dec_chunk_len_ = 0, dec_dp_ = 0, dec_dvp_ = 0;
    double fwd_bytes_ = 0, bwd_bytes_ = 0;
    AlignedBuffer kpack_, vpack_, partial_, bwd_rows_;
    std::vector<AlignedBuffer> fwd_scratch_, bwd_scratch_;
    std::unique_ptr<std::atomic<int>[]> locks_;
};

}  // namespace

AttentionBackend own_attention_backend() {
    AttentionBackend b;
    b.name = "own";
    b.description =
        "flopmeter's fused flash-style attention (online softmax, AVX-512 / AVX2 / generic, "
        "runtime dispatch)";
    b.dtypes = {DType::fp32, DType::bf16};
    b.unavailable = [](DType) -> std::optional<std::string> { return std::nullopt; };
    b.refuses = [](const AttentionProblem&, AttentionPass) -> std::optional<std::string> {
        return std::nullopt;
    };
    b.make_plan = [](const AttentionProblem& p, AttentionPass pass,
                     int threads) -> std::unique_ptr<AttentionPlan> {
        return std::make_unique<OwnAttentionPlan>(p, pass, threads);
    };
    b.warnings = [] { return std::vector<std::string>{}; };
    return b;
}

}  // namespace flopmeter
