// Disturbed repetitions in the Google Benchmark binary. flopmeter's own bench flags samples
// taken while the clock probe read a slowed, shared or descheduled core; here each run of a
// benchmark function (one repetition) is bracketed by the same probe, and a run with a slowed
// reading before or after reports the plain counter "contended" = 1 (else 0). `flopmeter ab`
// and the Google Benchmark import treat such a repetition as a flagged sample.
#pragma once

#include <benchmark/benchmark.h>

#include "measure/clock_probe.hpp"

namespace flopmeter {

class RepetitionProbe {
  public:
    // Probes on `threads` cores at once (the case's threads); one reference per thread count
    // for the whole process.
    explicit RepetitionProbe(int threads);
    // Probes again and sets state.counters["contended"].
    void finish(benchmark::State& state);

  private:
    ClockMonitor& monitor_;
    bool slowed_before_ = false;
};

}  // namespace flopmeter
