// The time unit of each registration. Google Benchmark's tools/compare.py prints times as whole
// numbers in a row's time_unit and pairs two runs' rows only when their time_unit matches, so a
// case's unit must be small enough that a fast kernel does not print 0, and the same on every
// run. It is chosen from the case's work (FLOPs and bytes from core/flops.hpp) at a nominal
// rate, never from a measured time: the largest unit in which that estimate is at least 100.
// `--benchmark_time_unit=ns|us|ms|s` sets one unit for every case instead.
#pragma once

#include <benchmark/benchmark.h>

namespace flopmeter {

enum class BenchDevice { cpu, gpu };

// Called by main when the command line holds --benchmark_time_unit: registrations then keep
// Google Benchmark's default unit, which that flag sets.
void use_time_unit_flag();

// The unit for a case doing `flops` and moving `bytes` per call.
benchmark::TimeUnit case_time_unit(double flops, double bytes, BenchDevice device);

// Sets the unit of `b` (unless --benchmark_time_unit was given) and returns `b`.
benchmark::internal::Benchmark* with_case_time_unit(benchmark::internal::Benchmark* b, double flops,
                                                    double bytes, BenchDevice device);

}  // namespace flopmeter
