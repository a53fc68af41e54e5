#include "measure/cuda/gpu_attention_case.hpp"

#include <cstdio>

#include "core/error.hpp"
#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/cuda_context.hpp"
#include "kernels/cuda/common/fill.hpp"
#include "measure/cuda/gpu_attention_validate.hpp"

namespace flopmeter {

namespace {

std::string num(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", x);
    return buf;
}

CaseResult base_result(const GpuAttentionCaseSpec& s) {
    const GpuAttentionProblem& p = s.problem;
    CaseResult r;
    r.op = "attention";
    r.name = gpu_attention_case_name(s);
    r.backend = s.backend;
    r.dtype = std::string(gpu_storage_name(p.dtype));
    r.dims = {{"b", p.batch},  {"h", p.heads},    {"kv_h", p.kv_heads}, {"sq", p.seq_q},
              {"sk", p.seq_k}, {"d", p.head_dim}, {"dv", p.head_dim}};
    r.params = {{"device_kind", "cuda"},
                {"direction", p.backward ? "bwd" : "fwd"},
                {"causal", p.causal ? "true" : "false"},
                {"layout", "bshd"},
                {"flash_convention_flops", num(gpu_attention_flash_flops(p))}};
    r.threads = 0;
    r.model_flops = gpu_attention_model_flops(p);
    r.executed_flops = r.model_flops;  // replaced by the plan's count when there is one
    r.bytes = gpu_attention_bytes(p);
    const double e = double(gpu_storage_size(p.dtype));
    r.operand_bytes = (2.0 * double(attn_q_elems(p)) + 2.0 * double(attn_kv_elems(p))) * e *
                          (p.backward ? 2.0 : 1.0) +
                      double(attn_lse_elems(p)) * 4.0;
    return r;
}

}  // namespace

std::string gpu_attention_case_name(const GpuAttentionCaseSpec& s) {
    const GpuAttentionProblem& p = s.problem;
    return "cuda/attention/" + s.backend + "/" + std::string(gpu_storage_name(p.dtype)) + "/" +
           (p.backward ? "bwd" : "fwd") + "/b" + std::to_string(p.batch) + "_h" +
           std::to_string(p.heads) + "_kv" + std::to_string(p.kv_heads) + "_sq" +
           std::to_string(p.seq_q) + "_sk" + std::to_string(p.seq_k) + "_d" +
           std::to_string(p.head_dim) + (p.causal ? "_causal" : "");
}

GpuAttentionCase::GpuAttentionCase(const GpuAttentionCaseSpec& spec) : spec_(spec) {
    const GpuAttentionProblem& p = spec.problem;
    check_gpu_attention_problem(p);
    plan_ = make_gpu_attention_plan(find_gpu_attention_backend(spec.backend), p);
    const std::size_t es = gpu_storage_size(p.dtype);
    const auto nq = std::size_t(attn_q_elems(p)), nkv = std::size_t(attn_kv_elems(p)),
               nl = std::size_t(attn_lse_elems(p));
    q_ = DeviceBuffer(nq * es, "attention Q");
    k_ = DeviceBuffer(nkv * es, "attention K");
    v_ = DeviceBuffer(nkv * es, "attention V");
    o_ = DeviceBuffer(nq * es, "attention O");
    lse_ = DeviceBuffer(nl * 4, "attention LSE");
    cudaStream_t s = stream();
    fill_uniform_device(q_.data(), p.dtype, std::int64_t(nq), 11, -1.f, 1.f, s);
    fill_uniform_device(k_.data(), p.dtype, std::int64_t(nkv), 12, -1.f, 1.f, s);
    fill_uniform_device(v_.data(), p.dtype, std::int64_t(nkv), 13, -1.f, 1.f, s);
    GpuAttnOperands ops;
    ops.q = q_.data();
    ops.k = k_.data();
    ops.v = v_.data();
    ops.o = o_.data();
    ops.lse = lse_.as<float>();
    if (p.backward) {
        do_ = DeviceBuffer(nq * es, "attention dO");
        dq_ = DeviceBuffer(nq * es, "attention dQ");
        dk_ = DeviceBuffer(nkv * es, "attention dK");
        dv_ = DeviceBuffer(nkv * es, "attention dV");
        fill_uniform_device(do_.data(), p.dtype, std::int64_t(nq), 14, -1.f, 1.f, s);
        // The backward's inputs O and LSE come from the portable flash forward (validated in its
        // own cases; the backward's dQ check recomputes the softmax independently).
        GpuAttentionProblem fwd = p;
        fwd.backward = false;
        auto fplan = make_gpu_attention_plan(find_gpu_attention_backend("flash-sm80"), fwd);
        fplan->bind(ops);
        fplan->enqueue(s);
        cuda_sync(
            "the forward pass that makes the backward's inputs");  // before fplan's scratch goes
        ops.d_o = do_.data();
        ops.dq = dq_.data();
        ops.dk = dk_.data();
        ops.dv = dv_.data();
    }
    cuda_sync("attention operand initialisation");
    plan_->bind(ops);
}

CaseResult GpuAttentionCase::describe() const {
    CaseResult r = base_result(spec_);
    r.kernel_set = plan_->kernel_set();
    r.workspace_bytes = plan_->workspace_bytes();
    r.executed_flops = plan_->executed_flops();
    return r;
}

ValidationReport GpuAttentionCase::validate() {
    const GpuAttentionProblem& p = spec_.problem;
    cudaStream_t s = stream();
    if (!p.backward) {
        FM_CUDA(cudaMemsetAsync(o_.data(), 0xff, o_.size(), s));
        FM_CUDA(cudaMemsetAsync(lse_.data(), 0xff, lse_.size(), s));
    } else {
        FM_CUDA(cudaMemsetAsync(dq_.data(), 0xff, dq_.size(), s));
        FM_CUDA(cudaMemsetAsync(dk_.data(), 0xff, dk_.size(), s));
        FM_CUDA(cudaMemsetAsync(dv_.data(), 0xff, dv_.size(), s));
    }
    plan_->enqueue(s);
    cuda_sync("the validation run");
    const auto nq = attn_q_elems(p), nkv = attn_kv_elems(p), nl = attn_lse_elems(p);
    const auto q = download_as_float(q_.data(), p.dtype, nq),
               k = download_as_float(k_.data(), p.dtype, nkv),
               v = download_as_float(v_.data(), p.dtype, nkv),
               o = download_as_float(o_.data(), p.dtype, nq),
               lse = download_as_float(lse_.data(), GpuStorage::f32, nl);
    if (!p.backward)
        return validate_gpu_attention_fwd(p, q.data(), k.data(), v.data(), o.data(), lse.data());
    const auto d_o = download_as_float(do_.data(), p.dtype, nq),
               dq = download_as_float(dq_.data(), p.dtype, nq),
               dk = download_as_float(dk_.data(), p.dtype, nkv),
               dv = download_as_float(dv_.data(), p.dtype, nkv);
    return validate_gpu_attention_bwd(p, q.data(), k.data(), v.data(), o.data(), d_o.data(),
                                      lse.data(), dq.data(), dk.data(), dv.data());
}

CaseResult gpu_attention_unavailable_result(const GpuAttentionCaseSpec& spec,
                                            const std::string& why) {
    CaseResult r = base_result(spec);
    r.status = CaseStatus::unavailable;
    r.error = why;
    return r;
}

CaseResult measure_gpu_attention(const GpuAttentionCaseSpec& spec, const MeasureOptions& o,
                                 MeasureContext& ctx, const CudaMeasureOptions& g) {
    std::unique_ptr<GpuAttentionCase> c;
    try {
        c = std::make_unique<GpuAttentionCase>(spec);
    } catch (const CudaError& e) {
        CaseResult r = gpu_attention_unavailable_result(spec, e.what());
        r.status = CaseStatus::error;
        return r;
    } catch (const UnavailableError& e) {
        // Running out of device memory is a failure of the run (exit 2), not a missing feature.
        CaseResult r = gpu_attention_unavailable_result(spec, e.what());
        if (std::string(e.what()).rfind("out of device memory", 0) == 0)
            r.status = CaseStatus::error;
        return r;
    }
    return measure_cuda_case(*c, o, ctx, g);
}

}  // namespace flopmeter
