// Google Benchmark registrations of the GPU cases: cuBLAS and own GEMMs, flash attention
// forward/backward and the unfused baseline. Each benchmark builds its case through
// measure/cuda (the same path as the CLI and the calibration), validates it before timing
// (a failure is SkipWithError, never a rate) and reports manual time from CUDA events with the
// blocking kernel, so the rate counters divide by GPU time, not CPU time. Without a CUDA build
// or a device nothing is registered, and the context says why.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench/bench_registry.hpp"
#include "bench/bench_time_unit.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include "core/flops.hpp"
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
    state.counters["model_FLOP/s"] = benchmark::Counter(d.model_flops, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["exec_FLOP/s"] = benchmark::Counter(d.executed_flops, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["bytes/s"] = benchmark::Counter(d.bytes, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1024);
    state.SetLabel(d.kernel_set);
}

void add_gemm(const std::string& backend, GemmMode mode, Layout layout, std::int64_t m, std::int64_t n, std::int64_t k) {
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
    // GEMM: the targets (8192^3 bf16 cuBLAS vs own; fp32 SIMT vs SGEMM) and LLM shapes.
    for (const char* b : {"cublas", "own"}) {
        for (Layout l : {Layout::nn, Layout::nt}) add_gemm(b, GemmMode::bf16, l, 8192, 8192, 8192);
        add_gemm(b, GemmMode::bf16, Layout::nn, 4096, 4096, 4096);
        add_gemm(b, GemmMode::fp32, Layout::nn, 4096, 4096, 4096);
        add_gemm(b, GemmMode::bf16, Layout::nn, 8192, 12288, 4096);
        add_gemm(b, GemmMode::bf16, Layout::tn, 4096, 12288, 8192);
    }
    add_gemm("cublas", GemmMode::fp16, Layout::nn, 8192, 8192, 8192);
    add_gemm("cublas", GemmMode::tf32, Layout::nn, 8192, 8192, 8192);
    add_gemm("cublas", GemmMode::fp8, Layout::nt, 8192, 8192, 8192);
    // Attention: B=4, H=32, S=4096, D=128 (the forward target), causal and not, forward
    // and backward; GQA; decode; the unfused baseline at a size whose S fits comfortably.
    for (bool causal : {false, true})
        for (bool bwd : {false, true})
            add_attention("flash", GpuAttentionProblem{4, 32, 32, 4096, 4096, 128, causal, bwd, GpuStorage::bf16});
    add_attention("flash-sm80", GpuAttentionProblem{4, 32, 32, 4096, 4096, 128, false, false, GpuStorage::bf16});
    add_attention("flash", GpuAttentionProblem{4, 32, 8, 4096, 4096, 128, true, false, GpuStorage::bf16});
    add_attention("flash", GpuAttentionProblem{8, 32, 8, 1, 8192, 128, false, false, GpuStorage::bf16});
    add_attention("unfused", GpuAttentionProblem{4, 32, 32, 2048, 2048, 128, false, false, GpuStorage::bf16});
    add_attention("flash", GpuAttentionProblem{4, 32, 32, 2048, 2048, 128, false, false, GpuStorage::bf16});
}

#else

void register_cuda_benchmarks() { benchmark::AddCustomContext("cuda", "flopmeter was built without CUDA"); }

#endif

}  // namespace flopmeter
