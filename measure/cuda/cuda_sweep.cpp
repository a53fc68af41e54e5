#include <cstdio>

#include "kernels/cuda/common/cuda_device.hpp"
#include "measure/cuda/cuda_sweep.hpp"
#include "measure/cuda/gpu_attention_case.hpp"
#include "measure/cuda/gpu_gemm_case.hpp"

namespace flopmeter {

std::vector<CaseResult> run_cuda_sweep(const CudaSweepOptions& o, const MeasureOptions& mo, MeasureContext& ctx,
                                       std::ostream* progress) {
    require_cuda_device();
    const std::vector<CudaSweepCase> plan = plan_cuda_sweep(o);
    CudaMeasureOptions g;
    g.energy_s = o.energy_s;
    std::vector<CaseResult> out;
    out.reserve(plan.size());
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const CudaSweepCase& c = plan[i];
        if (progress) *progress << "[" << i + 1 << "/" << plan.size() << "] " << c.name << (c.held_out ? " (held out)" : "") << '\n';
        CaseResult r = c.op == "gemm" ? measure_gpu_gemm(GpuGemmCaseSpec{c.backend, c.gemm}, mo, ctx, g)
                                      : measure_gpu_attention(GpuAttentionCaseSpec{c.backend, c.attention}, mo, ctx, g);
        if (c.held_out) r.params.emplace_back("held_out", "true");
        if (progress && r.status != CaseStatus::ok) *progress << "  " << case_status_name(r.status) << ": " << r.error << '\n';
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace flopmeter
