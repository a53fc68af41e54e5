#include "bench/bench_probe.hpp"

#include <map>
#include <memory>

namespace flopmeter {

namespace {

ClockMonitor& monitor_for(int threads) {
    static std::map<int, std::unique_ptr<ClockMonitor>> monitors;
    auto& m = monitors[threads];
    if (!m) m = std::make_unique<ClockMonitor>(threads);
    return *m;
}

}  // namespace

RepetitionProbe::RepetitionProbe(int threads) : monitor_(monitor_for(threads < 1 ? 1 : threads)) {
    slowed_before_ = monitor_.slowed(monitor_.probe());
}

void RepetitionProbe::finish(benchmark::State& state) {
    const bool slowed_after = monitor_.slowed(monitor_.probe());
    state.counters["contended"] = benchmark::Counter(slowed_before_ || slowed_after ? 1.0 : 0.0);
}

}  // namespace flopmeter
