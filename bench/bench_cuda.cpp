// Google Benchmark registrations of the GPU cases: cuBLAS and own GEMMs, flash attention
// forward/backward and the unfused baseline. Each benchmark builds its case through
// measure/cuda (the same path as the CLI and the calibration), validates it before timing
// (a failure is SkipWithError, never a rate) and reports manual time from CUDA events with the
// blocking kernel, so the rate counters divide by GPU time, not CPU time. Without a CUDA build
// or a device nothing is registered, and the context says why.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench/bench_counters.hpp"
#include "bench/bench_registry.hpp"
#include "bench/bench_time_unit.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include "core/flops.hpp"
#include "core/shape_presets.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "measure/cuda/gpu_attention_case.hpp"
#include "measure/cuda/gpu_gemm_case.hpp"
#endif

namespace flopmeter {

#ifdef FLOPMETER_HAVE_CUDA

namespace {

// Builds and validates the case on the first run of the benchmark (registration allocates
// nothing on the device), then times one call per iteration.
template <class Case, class Spec>
void run_cuda_case(benchmark::State& state, Spec spec) {
    std::unique_ptr<Case> c;
    try {
        c = std::make_unique<Case>(spec);
        const ValidationReport v = c->validate();
        if (!v.passed) {
            state.SkipWithError(("validation failed: " + v.detail).c_str());
            return;
        }
        c->timed_run(1);  // warm-up outside the measured iterations
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    const CaseResult d = c->describe();
    for (auto _ : state) state.SetIterationTime(c->timed_run(1));
    set_rate_counters(state, d);
    state.SetLabel(d.kernel_set);
}

void add_gemm(const std::string& backend, GemmMode mode, Layout layout, std::int64_t m,
              std::int64_t n, std::int64_t k) {
    GpuGemmCaseSpec spec{backend, GpuGemmProblem{m, n, k, layout, mode, 1.0, 0.0}};
    // Two bytes per element is close enough for choosing the time unit.
    with_case_time_unit(
        benchmark::RegisterBenchmark(gpu_gemm_case_name(spec).c_str(),
                                     run_cuda_case<GpuGemmCase, GpuGemmCaseSpec>, spec)
            ->UseManualTime(),
        flops::gemm_model_flops(m, n, k), flops::gemm_bytes(m, n, k, 2, 2, 2, 0.0).total(),
        BenchDevice::gpu);
}

void add_attention(const std::string& backend, const GpuAttentionProblem& p) {
    GpuAttentionCaseSpec spec{backend, p};
    const flops::AttentionShape s = attention_shape(p);
    with_case_time_unit(
        benchmark::RegisterBenchmark(gpu_attention_case_name(spec).c_str(),
                                     run_cuda_case<GpuAttentionCase, GpuAttentionCaseSpec>, spec)
            ->UseManualTime(),
        p.backward ? flops::attention_bwd_model_flops(s) : flops::attention_fwd_model_flops(s),
        (p.backward ? flops::attention_bwd_bytes(s, 2, 2) : flops::attention_fwd_bytes(s, 2, 2))
            .total(),
        BenchDevice::gpu);
}

}  // namespace

void register_cuda_benchmarks() {
    const CudaDeviceStatus st = cuda_device_status();
    if (!st.available) {
        benchmark::AddCustomContext("cuda", "no CUDA device: " + st.reason);
        return;
    }
    benchmark::AddCustomContext("cuda", cuda_device().name);
    // GEMM targets (8192^3 bf16 cuBLAS vs own, both layouts; fp32 SIMT vs SGEMM at 4096^3) and
    // the LLM shapes, all from the one preset table.
    const auto& targets = gemm_preset("cuda-gemm", "targets").shapes;
    for (const char* b : {"cublas", "own"}) {
        for (const GemmShape& s : targets)
            for (Layout l : {Layout::nn, Layout::nt}) add_gemm(b, GemmMode::bf16, l, s.m, s.n, s.k);
        for (const GemmShape& s : targets) add_gemm(b, GemmMode::fp32, Layout::nn, s.m, s.n, s.k);
        for (const GemmShape& s : gemm_preset("cuda-gemm", "llm").shapes)
            add_gemm(b, GemmMode::bf16, Layout::nn, s.m, s.n, s.k);
    }
    const GemmShape& big = targets.front();
    add_gemm("cublas", GemmMode::fp16, Layout::nn, big.m, big.n, big.k);
    add_gemm("cublas", GemmMode::tf32, Layout::nn, big.m, big.n, big.k);
    add_gemm("cublas", GemmMode::fp8, Layout::nt, big.m, big.n, big.k);
    // Attention targets: the first shape forward and backward, causal and not, also with the
    // sm80 kernel; the second (smaller S) unfused vs flash; then the LLM prefill (MHA and GQA)
    // and decode presets.
    auto problem = [](const flops::AttentionShape& s, bool causal, bool bwd) {
        return GpuAttentionProblem{s.batch,    s.heads, s.kv_heads, s.seq_q,         s.seq_k,
                                   s.head_dim, causal,  bwd,        GpuStorage::bf16};
    };
    const auto& att = attention_preset("cuda-attention", "targets").shapes;
    for (bool causal : {false, true})
        for (bool bwd : {false, true}) add_attention("flash", problem(att.at(0), causal, bwd));
    add_attention("flash-sm80", problem(att.at(0), false, false));
    add_attention("unfused", problem(att.at(1), false, false));
    add_attention("flash", problem(att.at(1), false, false));
    for (const char* preset : {"llm", "decode"})
        for (const flops::AttentionShape& s : attention_preset("cuda-attention", preset).shapes)
            add_attention("flash", problem(s, s.causal, false));
}

#else

void register_cuda_benchmarks() {
    benchmark::AddCustomContext("cuda", "flopmeter was built without CUDA");
}

#endif

}  // namespace flopmeter
