// Google Benchmark registrations of the GEMM backends: backend x dtype x layout x shape.
// Each benchmark builds its case through measure/gemm_case.hpp (the same path as the CLI and
// calibration), validates it before timing (a failure is SkipWithError, never a rate), and
// times each call with manual time so the rate counters divide by wall time, not CPU time.
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench/bench_counters.hpp"
#include "bench/bench_probe.hpp"
#include "bench/bench_registry.hpp"
#include "bench/bench_time_unit.hpp"
#include "core/dtype.hpp"
#include "core/flops.hpp"
#include "core/shape_presets.hpp"
#include "measure/gemm_case.hpp"
#include "measure/measure_case.hpp"
#include "measure/roofline/peak.hpp"

#include <map>

namespace flopmeter {

namespace {

void run_case(benchmark::State& state, GemmCaseSpec spec) {
    std::unique_ptr<GemmCase> c;
    try {
        c = std::make_unique<GemmCase>(spec);
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
    double timed_s = 0;  // the manual time Google Benchmark divides rates by
    const double slowdown = test_slowdown_fraction(d.name);  // TEST-ONLY, see measure_case.hpp
    RepetitionProbe probe(spec.threads);
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        c->run();
        if (slowdown > 0)
            spin_for(slowdown *
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        const auto t1 = std::chrono::steady_clock::now();
        const double s = std::chrono::duration<double>(t1 - t0).count();
        state.SetIterationTime(s);
        timed_s += s;
    }
    set_rate_counters(state, d);
    // % of the measured ceiling for this dtype (probed once per dtype and thread count): a plain
    // counter computed here, since a rate flag would print it as "73.56/s".
    static std::map<std::pair<std::string, int>, double> ceilings;
    auto key = std::make_pair(d.dtype, spec.threads);
    if (!ceilings.count(key))
        ceilings[key] = peak_for_dtype(spec.problem.dtype, spec.threads).flops_per_s;
    if (ceilings[key] > 0 && timed_s > 0)
        state.counters["pct_of_ceiling"] = benchmark::Counter(
            100.0 * d.model_flops * double(state.iterations()) / timed_s / ceilings[key]);
    probe.finish(state);
    state.SetLabel(d.kernel_set);
}

}  // namespace

void register_gemm_benchmarks(int threads) {
    // The CLI's square and llm presets (core/shape_presets.hpp).
    std::vector<GemmShape> shapes = gemm_preset("gemm", "square").shapes;
    for (const auto& s : gemm_preset("gemm", "llm").shapes) shapes.push_back(s);
    for (const auto& b : gemm_backends()) {
        if (b.name == "reference") continue;  // the oracle is far too slow for these shapes
        for (DType d : b.dtypes) {
            if (b.unavailable(d)) continue;
            for (Layout l : {Layout::nn, Layout::nt, Layout::tn})
                for (const auto& s : shapes) {
                    GemmCaseSpec spec{b.name, GemmProblem{s.m, s.n, s.k, l, d, 1.0, 0.0}, threads};
                    const double size = double(dtype_size(d));
                    with_case_time_unit(
                        benchmark::RegisterBenchmark(gemm_case_name(spec).c_str(), run_case, spec)
                            ->UseManualTime(),
                        flops::gemm_model_flops(s.m, s.n, s.k),
                        flops::gemm_bytes(s.m, s.n, s.k, size, size, size, 0.0).total(),
                        BenchDevice::cpu);
                }
        }
    }
}

}  // namespace flopmeter
