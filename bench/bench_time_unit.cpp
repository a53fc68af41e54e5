#include "bench/bench_time_unit.hpp"

#include <algorithm>

namespace flopmeter {

namespace {
bool g_unit_from_flag = false;
}

void use_time_unit_flag() {
    g_unit_from_flag = true;
}

benchmark::TimeUnit case_time_unit(double flops, double bytes, BenchDevice device) {
    // Orders of magnitude only (a multi-core AVX-512 CPU; a current datacenter GPU): with the
    // estimate >= 100 in the chosen unit, a kernel up to ~100x faster still prints >= 1.
    const double flop_rate = device == BenchDevice::cpu ? 1e11 : 5e14;
    const double byte_rate = device == BenchDevice::cpu ? 2e10 : 2e12;
    const double seconds = std::max(flops / flop_rate, bytes / byte_rate);
    if (seconds >= 100.0) return benchmark::kSecond;
    if (seconds >= 100e-3) return benchmark::kMillisecond;
    if (seconds >= 100e-6) return benchmark::kMicrosecond;
    return benchmark::kNanosecond;
}

benchmark::internal::Benchmark* with_case_time_unit(benchmark::internal::Benchmark* b, double flops,
                                                    double bytes, BenchDevice device) {
    if (!g_unit_from_flag) b->Unit(case_time_unit(flops, bytes, device));
    return b;
}

}  // namespace flopmeter
