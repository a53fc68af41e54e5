#include "bench/bench_counters.hpp"

namespace flopmeter {

void set_rate_counters(benchmark::State& state, const CaseResult& d) {
    using benchmark::Counter;
    state.counters["model_FLOP/s"] = Counter(d.model_flops, Counter::kIsIterationInvariantRate);
    state.counters["exec_FLOP/s"] = Counter(d.executed_flops, Counter::kIsIterationInvariantRate);
    state.counters["bytes/s"] =
        Counter(d.bytes, Counter::kIsIterationInvariantRate, Counter::kIs1024);
}

}  // namespace flopmeter
