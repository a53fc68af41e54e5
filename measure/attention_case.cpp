#include "measure/attention_case.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "core/bf16.hpp"
#include "core/error.hpp"
#include "core/flops.hpp"
#include "core/operand_values.hpp"
#include "measure/attention_validate.hpp"
#include "measure/operand_pool.hpp"

namespace flopmeter {

namespace {

// An int8 KV cache: uniform [-1, 1] values quantized per (b, token, kv head) vector of `dim`,
// scale = max|x| / 127, code = round(x / scale) (attention_problem.hpp).
void fill_int8_cache(std::int8_t* codes, float* scales, std::int64_t vectors, std::int64_t dim,
                     std::uint64_t seed) {
    std::vector<float> x(static_cast<std::size_t>(dim));
    for (std::int64_t t = 0; t < vectors; ++t) {
        float amax = 0.0f;
        for (std::int64_t i = 0; i < dim; ++i) {
            const float e = uniform_pm1_at(seed, std::uint64_t(t * dim + i));
            x[std::size_t(i)] = e;
            amax = std::max(amax, std::fabs(e));
        }
        const float sc = amax > 0.0f ? amax / 127.0f : 1.0f;
        scales[t] = sc;
        for (std::int64_t i = 0; i < dim; ++i)
            codes[t * dim + i] =
                std::int8_t(std::clamp(std::lround(x[std::size_t(i)] / sc), -127L, 127L));
    }
}

// The tensor as exact doubles: fp32/bf16 widened, int8 codes times their vector's scale.
std::vector<double> widen(const void* src, DType t, KvCache kv, const float* scales,
                          std::int64_t count, std::int64_t dim) {
    std::vector<double> v(static_cast<std::size_t>(count));
    if (kv == KvCache::int8) {
        const auto* c = static_cast<const std::int8_t*>(src);
        for (std::int64_t i = 0; i < count; ++i)
            v[std::size_t(i)] = double(c[i]) * double(scales[i / dim]);
    } else if (kv == KvCache::bf16 || (kv == KvCache::same && t == DType::bf16)) {
        const auto* b = static_cast<const bf16*>(src);
        for (std::int64_t i = 0; i < count; ++i) v[std::size_t(i)] = double(float(b[i]));
    } else {
        const auto* f = static_cast<const float*>(src);
        for (std::int64_t i = 0; i < count; ++i) v[std::size_t(i)] = double(f[i]);
    }
    return v;
}

void fill_nan(AlignedBuffer& b) {
    float* p = b.as<float>();
    for (std::size_t i = 0; i < b.size() / sizeof(float); ++i)
        p[i] = std::numeric_limits<float>::quiet_NaN();
}

std::string num(double x, const char* f = "%.17g") {
    char buf[40];
    std::snprintf(buf, sizeof buf, f, x);
    return buf;
}

}  // namespace

std::string attention_case_name(const AttentionCaseSpec& spec) {
    const AttentionProblem& p = spec.problem;
    const flops::AttentionShape& s = p.shape;
    std::string n = "attention/" + spec.backend + "/" + std::string(dtype_name(p.dtype)) + "/" +
                    std::string(attention_pass_name(spec.pass)) + "/b" + std::to_string(s.batch) +
                    "h" + std::to_string(s.heads) + "g" + std::to_string(s.kv_heads) + "/sq" +
                    std::to_string(s.seq_q) + "sk" + std::to_string(s.seq_k) + "/d" +
                    std::to_string(s.head_dim);
    if (s.value_dim != s.head_dim) n += "dv" + std::to_string(s.value_dim);
    n += s.causal ? "/causal" : "/full";
    if (p.scale != 0.0) n += "/scale" + num(p.scale, "%g");
    if (p.kv != KvCache::same) n += "/kv-" + std::string(kv_cache_name(p.kv));
    return n + "/t" + std::to_string(spec.threads);
}

AttentionCase::AttentionCase(const AttentionCaseSpec& spec) : spec_(spec) {
    const AttentionBackend& backend = find_attention_backend(spec.backend);
    spec_.backend = backend.name;
    const AttentionProblem& p = spec.problem;
    plan_ = make_attention_plan(backend, p, spec.pass, spec.threads);  // checks the problem first
    const AttentionSizes z = attention_sizes(p.shape);
    const std::size_t kv_in = std::size_t(attention_kv_elem_bytes(p));
    // Q, K, V and dO come from the process's shared, read-only input streams
    // (measure/operand_pool.hpp); an int8 cache is quantized per case.
    o_.reset(std::size_t(z.o) * 4);
    lse_.reset(std::size_t(z.lse) * 4);
    q_ = shared_uniform_operand(p.dtype, 11, z.q);
    if (p.kv == KvCache::int8) {
        const flops::AttentionShape& s = p.shape;
        const std::int64_t vectors = s.batch * s.seq_k * s.kv_heads;
        k_int8_.reset(std::size_t(z.k) * kv_in);
        v_int8_.reset(std::size_t(z.v) * kv_in);
        k_scale_.reset(std::size_t(vectors) * 4);
        v_scale_.reset(std::size_t(vectors) * 4);
        fill_int8_cache(k_int8_.as<std::int8_t>(), k_scale_.as<float>(), vectors, s.head_dim, 12);
        fill_int8_cache(v_int8_.as<std::int8_t>(), v_scale_.as<float>(), vectors, s.value_dim, 13);
        ops_.k = k_int8_.data();
        ops_.v = v_int8_.data();
        ops_.k_scale = k_scale_.as<float>();
        ops_.v_scale = v_scale_.as<float>();
    } else {
        const DType kv_t = p.kv == KvCache::bf16 ? DType::bf16 : p.dtype;
        k_ = shared_uniform_operand(kv_t, 12, z.k);
        v_ = shared_uniform_operand(kv_t, 13, z.v);
        ops_.k = k_->data();
        ops_.v = v_->data();
    }
    fill_nan(o_);
    fill_nan(lse_);
    ops_.q = q_->data();
    ops_.o = o_.as<float>();
    ops_.lse = lse_.as<float>();
    if (pass_has_bwd(spec.pass)) {
        do_ = shared_uniform_operand(DType::fp32, 14, z.o);
        dq_.reset(std::size_t(z.q) * 4);
        dk_.reset(std::size_t(z.k) * 4);
        dv_.reset(std::size_t(z.v) * 4);
        fill_nan(dq_);
        fill_nan(dk_);
        fill_nan(dv_);
        ops_.d_o = do_->as<float>();
        ops_.dq = dq_.as<float>();
        ops_.dk = dk_.as<float>();
        ops_.dv = dv_.as<float>();
    }
}

ValidationReport AttentionCase::validate() {
    const double up = plan_->intermediate_roundoff();
    plan_->forward(ops_);
    const AttentionProblem& p = spec_.problem;
    if (p.kv != KvCache::same) {
        // Dequantize-then-double: the oracle sees the exact values the cache encodes.
        const AttentionSizes z = attention_sizes(p.shape);
        const std::vector<double> qd = widen(ops_.q, p.dtype, KvCache::same, nullptr, z.q, 1);
        const std::vector<double> kd =
            widen(ops_.k, p.dtype, p.kv, ops_.k_scale, z.k, p.shape.head_dim);
        const std::vector<double> vd =
            widen(ops_.v, p.dtype, p.kv, ops_.v_scale, z.v, p.shape.value_dim);
        AttentionProblem pd = p;
        pd.dtype = DType::fp64;
        pd.kv = KvCache::same;
        AttentionOperands od = ops_;
        od.q = qd.data();
        od.k = kd.data();
        od.v = vd.data();
        return validate_attention_fwd(pd, od, up);
    }
    ValidationReport f = validate_attention_fwd(spec_.problem, ops_, up);
    if (!pass_has_bwd(spec_.pass) || !f.passed) {
        if (pass_has_bwd(spec_.pass)) f.detail = "forward (the backward's inputs): " + f.detail;
        return f;
    }
    plan_->backward(ops_);
    const ValidationReport b = validate_attention_bwd(spec_.problem, ops_, up);
    ValidationReport r;
    r.passed = b.passed;
    r.checked = f.checked + b.checked;
    r.max_error_ratio = std::max(f.max_error_ratio, b.max_error_ratio);
    r.detail =
        b.passed ? "forward: " + f.detail + "; backward: " + b.detail : "backward: " + b.detail;
    return r;
}

void AttentionCase::run() {
    if (pass_has_fwd(spec_.pass)) plan_->forward(ops_);
    if (pass_has_bwd(spec_.pass)) plan_->backward(ops_);
}

CaseResult AttentionCase::describe() const {
    const AttentionProblem& p = spec_.problem;
    const flops::AttentionShape& s = p.shape;
    const bool fwd = pass_has_fwd(spec_.pass), bwd = pass_has_bwd(spec_.pass);
    CaseResult r;
    r.op = "attention";
    r.name = attention_case_name(spec_);
    r.backend = spec_.backend;
    r.dtype = std::string(dtype_name(p.dtype));
    r.dims = {{"b", s.batch},  {"h", s.heads},    {"g", s.kv_heads},  {"sq", s.seq_q},
              {"sk", s.seq_k}, {"d", s.head_dim}, {"dv", s.value_dim}};
    r.threads = spec_.threads;
    const double in = double(dtype_size(p.dtype));
    const double kv_in = attention_kv_elem_bytes(p), kv_scale = attention_kv_scale_bytes(p);
    double flash = 0, sm_ops = 0, exps = 0;
    if (fwd) {
        r.model_flops += flops::attention_fwd_model_flops(s);
        flash += flops::attention_fwd_flash_flops(s);
        const flops::SoftmaxTally t = flops::attention_fwd_softmax_ops(s);
        sm_ops += t.ops();
        exps += t.exp;
        r.bytes += p.kv == KvCache::same
                       ? flops::attention_fwd_bytes(s, in, 4.0).total()
                       : flops::attention_decode_bytes(s, in, kv_in, kv_scale, 4.0);
    }
    if (bwd) {
        r.model_flops += flops::attention_bwd_model_flops(s);
        flash += 2.5 * flops::attention_fwd_flash_flops(s);
        const flops::SoftmaxTally t = flops::attention_bwd_softmax_ops(s);
        sm_ops += t.ops();
        exps += t.exp;
        r.bytes += flops::attention_bwd_bytes(s, in, 4.0).total();
    }
    r.params = {{"causal", s.causal ? "true" : "false"},
                {"pass", std::string(attention_pass_name(spec_.pass))},
                {"scale", num(attention_scale(p), "%.9g")},
                {"flash_convention_flops", num(flash)},
                {"softmax_ops", num(sm_ops)},
                {"exp_ops", num(exps)},
                {"kv_bytes",
                 num(p.kv == KvCache::same ? flops::attention_kv_bytes(s, in)
                                           : flops::attention_decode_kv_bytes(s, kv_in, kv_scale))},
                {"unmasked_pairs", num(double(s.batch) * double(s.heads) *
                                       flops::attention_pairs(s.seq_q, s.seq_k, s.causal))}};
    if (p.kv != KvCache::same) r.params.emplace_back("kv_cache", std::string(kv_cache_name(p.kv)));
    r.operand_bytes = attention_footprint_bytes(p, spec_.pass);
    if (plan_) {
        if (fwd)
            r.executed_flops += flops::attention_fwd_executed_flops(s, plan_->fwd_pairs_per_head());
        if (bwd)
            r.executed_flops += flops::attention_bwd_executed_flops(s, plan_->bwd_pairs_per_head(),
                                                                    plan_->bwd_recomputes_scores());
        r.kernel_set = plan_->kernel_set();
        r.binding = plan_->binding();
        r.workspace_bytes = plan_->workspace_bytes();
        r.params.emplace_back(
            "executed_pairs_per_head",
            num(bwd && !fwd ? plan_->bwd_pairs_per_head() : plan_->fwd_pairs_per_head()));
    }
    if (const auto& b = find_attention_backend(spec_.backend); b.warnings)
        r.warnings = b.warnings();
    return r;
}

CaseResult measure_attention(const AttentionCaseSpec& spec, const MeasureOptions& o,
                             MeasureContext& ctx) {
    AttentionCase c(spec);  // usage errors propagate
    return measure_case(c, o, ctx);
}

}  // namespace flopmeter
