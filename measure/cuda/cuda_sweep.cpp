#include <cstdio>

#include "kernels/cuda/common/cuda_device.hpp"
#include "measure/bench_runner.hpp"
#include "measure/cuda/cuda_sweep.hpp"
#include "measure/cuda/gpu_attention_case.hpp"
#include "measure/cuda/gpu_gemm_case.hpp"

namespace flopmeter {

std::vector<CaseResult> run_cuda_sweep(const CudaSweepOptions& o, const MeasureOptions& mo,
                                       MeasureContext& ctx, std::ostream* progress) {
    require_cuda_device();
    const std::vector<CudaSweepCase> plan = plan_cuda_sweep(o);
    CudaMeasureOptions g;
    g.energy_s = o.energy_s;
    // Through the one bench loop: one round, each case on its own (no backend groups).
    std::vector<BenchItem> items;
    items.reserve(plan.size());
    for (const CudaSweepCase& c : plan)
        items.push_back(
            {c.name + (c.held_out ? " (held out)" : ""), c.backend, std::nullopt,
             [&c, &mo, &ctx, &g, progress] {
                 CaseResult r =
                     c.op == "gemm"
                         ? measure_gpu_gemm(GpuGemmCaseSpec{c.backend, c.gemm}, mo, ctx, g)
                         : measure_gpu_attention(GpuAttentionCaseSpec{c.backend, c.attention}, mo,
                                                 ctx, g);
                 if (c.held_out) r.params.emplace_back("held_out", "true");
                 if (progress && r.status != CaseStatus::ok)
                     *progress << "  " << case_status_name(r.status) << ": " << r.error << '\n';
                 return r;
             }});
    BenchRunOptions ro;
    ro.settle_ms = 0;  // no host threads to settle
    std::vector<CaseResult> out = run_bench(items, ro, [progress](const BenchProgress& p) {
        if (progress) *progress << "[" << p.done << "/" << p.total << "] " << p.name << '\n';
    });
    return out;
}

}  // namespace flopmeter
