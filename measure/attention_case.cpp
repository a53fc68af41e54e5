#include "measure/attention_case.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "core/bf16.hpp"
#include "core/error.hpp"
#include "core/flops.hpp"
#include "measure/attention_validate.hpp"

namespace flopmeter {

namespace {

void fill_uniform(void* dst, DType t, std::int64_t count, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    if (t == DType::bf16) {
        auto* p = static_cast<bf16*>(dst);
        for (std::int64_t i = 0; i < count; ++i) p[i] = bf16(d(rng));
    } else {
        auto* p = static_cast<float*>(dst);
        for (std::int64_t i = 0; i < count; ++i) p[i] = d(rng);
    }
}

void fill_nan(AlignedBuffer& b) {
    float* p = b.as<float>();
    for (std::size_t i = 0; i < b.size() / sizeof(float); ++i) p[i] = std::numeric_limits<float>::quiet_NaN();
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
                    std::string(attention_pass_name(spec.pass)) + "/b" + std::to_string(s.batch) + "h" +
                    std::to_string(s.heads) + "g" + std::to_string(s.kv_heads) + "/sq" + std::to_string(s.seq_q) + "sk" +
                    std::to_string(s.seq_k) + "/d" + std::to_string(s.head_dim);
    if (s.value_dim != s.head_dim) n += "dv" + std::to_string(s.value_dim);
    n += s.causal ? "/causal" : "/full";
    if (p.scale != 0.0) n += "/scale" + num(p.scale, "%g");
    return n + "/t" + std::to_string(spec.threads);
}

AttentionCase::AttentionCase(const AttentionCaseSpec& spec) : spec_(spec) {
    const AttentionBackend& backend = find_attention_backend(spec.backend);
    spec_.backend = backend.name;
    const AttentionProblem& p = spec.problem;
    plan_ = make_attention_plan(backend, p, spec.pass, spec.threads);  // checks the problem first
    const AttentionSizes z = attention_sizes(p.shape);
    const std::size_t in = dtype_size(p.dtype);
    q_.reset(std::size_t(z.q) * in);
    k_.reset(std::size_t(z.k) * in);
    v_.reset(std::size_t(z.v) * in);
    o_.reset(std::size_t(z.o) * 4);
    lse_.reset(std::size_t(z.lse) * 4);
    fill_uniform(q_.data(), p.dtype, z.q, 11);
    fill_uniform(k_.data(), p.dtype, z.k, 12);
    fill_uniform(v_.data(), p.dtype, z.v, 13);
    fill_nan(o_);
    fill_nan(lse_);
    ops_.q = q_.data();
    ops_.k = k_.data();
    ops_.v = v_.data();
    ops_.o = o_.as<float>();
    ops_.lse = lse_.as<float>();
    if (pass_has_bwd(spec.pass)) {
        do_.reset(std::size_t(z.o) * 4);
        dq_.reset(std::size_t(z.q) * 4);
        dk_.reset(std::size_t(z.k) * 4);
        dv_.reset(std::size_t(z.v) * 4);
        fill_uniform(do_.data(), DType::fp32, z.o, 14);
        fill_nan(dq_);
        fill_nan(dk_);
        fill_nan(dv_);
        ops_.d_o = do_.as<float>();
        ops_.dq = dq_.as<float>();
        ops_.dk = dk_.as<float>();
        ops_.dv = dv_.as<float>();
    }
}

ValidationReport AttentionCase::validate() {
    const double up = plan_->intermediate_roundoff();
    plan_->forward(ops_);
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
    r.detail = b.passed ? "forward: " + f.detail + "; backward: " + b.detail : "backward: " + b.detail;
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
    r.dims = {{"b", s.batch}, {"h", s.heads}, {"g", s.kv_heads}, {"sq", s.seq_q}, {"sk", s.seq_k}, {"d", s.head_dim}, {"dv", s.value_dim}};
    r.threads = spec_.threads;
    const double in = double(dtype_size(p.dtype));
    double flash = 0, sm_ops = 0, exps = 0;
    if (fwd) {
        r.model_flops += flops::attention_fwd_model_flops(s);
        flash += flops::attention_fwd_flash_flops(s);
        const flops::SoftmaxTally t = flops::attention_fwd_softmax_ops(s);
        sm_ops += t.ops();
        exps += t.exp;
        r.bytes += flops::attention_fwd_bytes(s, in, 4.0).total();
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
                {"kv_bytes", num(flops::attention_kv_bytes(s, in))},
                {"unmasked_pairs", num(double(s.batch) * double(s.heads) * flops::attention_pairs(s.seq_q, s.seq_k, s.causal))}};
    r.operand_bytes = attention_footprint_bytes(p, spec_.pass);
    if (plan_) {
        if (fwd) r.executed_flops += flops::attention_fwd_executed_flops(s, plan_->fwd_pairs_per_head());
        if (bwd)
            r.executed_flops +=
                flops::attention_bwd_executed_flops(s, plan_->bwd_pairs_per_head(), plan_->bwd_recomputes_scores());
        r.kernel_set = plan_->kernel_set();
        r.binding = plan_->binding();
        r.workspace_bytes = plan_->workspace_bytes();
        r.params.emplace_back("executed_pairs_per_head", num(bwd && !fwd ? plan_->bwd_pairs_per_head() : plan_->fwd_pairs_per_head()));
    }
    if (const auto& b = find_attention_backend(spec_.backend); b.warnings) r.warnings = b.warnings();
    return r;
}

CaseResult measure_attention(const AttentionCaseSpec& spec, const MeasureOptions& o, MeasureContext& ctx) {
    AttentionCase c(spec);  // usage errors propagate
    return measure_case(c, o, ctx);
}

}  // namespace flopmeter
