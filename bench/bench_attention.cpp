// Google Benchmark registrations of the attention backends: training shapes (H = 16, S = 512..8192,
// D = 64 and 128, causal and not, kv heads G in {H, H/4, 1}) forward and backward, and decode
// shapes (Sq = 1 against Sk = 1k..32k, G in {H, H/4, 1}). Each benchmark builds its case through
// measure/attention_case.hpp (the same path as the CLI), validates it before timing (a failure,
// or an unfused shape whose S x S matrices do not fit, is SkipWithError, never a rate), and times
// each call with manual time so the rate counters divide by wall time, not CPU time.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "bench/bench_counters.hpp"
#include "bench/bench_probe.hpp"
#include "bench/bench_registry.hpp"
#include "bench/bench_time_unit.hpp"
#include "core/dtype.hpp"
#include "core/flops.hpp"
#include "core/shape_presets.hpp"
#include "measure/attention_case.hpp"
#include "measure/measure_case.hpp"

namespace flopmeter {

namespace {

double param_value(const CaseResult& r, const std::string& name) {
    for (const auto& [n, v] : r.params)
        if (n == name) return std::stod(v);
    return 0.0;
}

void run_case(benchmark::State& state, AttentionCaseSpec spec) {
    std::unique_ptr<AttentionCase> c;
    try {
        c = std::make_unique<AttentionCase>(spec);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    const ValidationReport v = c->validate();
    if (!v.passed) {
        state.SkipWithError(("validation failed: " + v.detail).c_str());
        return;
    }
    const CaseResult d = c->describe();
    const double slowdown = test_slowdown_fraction(d.name);  // TEST-ONLY, see measure_case.hpp
    RepetitionProbe probe(spec.threads);
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        c->run();
        if (slowdown > 0)
            spin_for(slowdown *
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        const auto t1 = std::chrono::steady_clock::now();
        state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    }
    using benchmark::Counter;
    set_rate_counters(state, d);
    state.counters["KV_bytes/s"] =
        Counter(param_value(d, "kv_bytes"), Counter::kIsIterationInvariantRate, Counter::kIs1024);
    state.counters["extra_mem_bytes"] = Counter(d.workspace_bytes);
    probe.finish(state);
    state.SetLabel(d.kernel_set);
}

void add(const std::string& backend, DType dtype, AttentionPass pass, flops::AttentionShape s,
         int threads) {
    AttentionCaseSpec spec;
    spec.backend = backend;
    spec.problem.shape = s;
    spec.problem.dtype = dtype;
    spec.pass = pass;
    spec.threads = threads;
    const double size = double(dtype_size(dtype));
    const bool bwd = pass == AttentionPass::bwd;
    with_case_time_unit(
        benchmark::RegisterBenchmark(attention_case_name(spec).c_str(), run_case, spec)
            ->UseManualTime(),
        bwd ? flops::attention_bwd_model_flops(s) : flops::attention_fwd_model_flops(s),
        (bwd ? flops::attention_bwd_bytes(s, size, size)
             : flops::attention_fwd_bytes(s, size, size))
            .total(),
        BenchDevice::cpu);
}

}  // namespace

void register_attention_benchmarks(int threads) {
    // Shapes from core/shape_presets.hpp: the training sweep forward and backward, decode forward.
    const auto& train = attention_preset("attention-sweep", "train").shapes;
    const auto& decode = attention_preset("attention-sweep", "decode").shapes;
    for (const auto& b : attention_backends()) {
        if (b.name == "reference") continue;  // the oracle is far too slow for these shapes
        for (DType dtype : {DType::fp32, DType::bf16}) {
            if (b.unavailable(dtype)) continue;
            for (AttentionPass pass : {AttentionPass::fwd, AttentionPass::bwd})
                for (const auto& s : train) add(b.name, dtype, pass, s, threads);
            for (const auto& s : decode) add(b.name, dtype, AttentionPass::fwd, s, threads);
        }
    }
}

}  // namespace flopmeter
