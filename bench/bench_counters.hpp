// The rate counters every benchmark of the Google Benchmark binary reports, from the case's
// own FLOP and byte counts (core/flops.hpp through the case's describe()): model_FLOP/s,
// exec_FLOP/s and bytes/s, each per iteration over the manual (wall) time.
#pragma once

#include <benchmark/benchmark.h>

#include "measure/result.hpp"

namespace flopmeter {

void set_rate_counters(benchmark::State& state, const CaseResult& d);

}  // namespace flopmeter
