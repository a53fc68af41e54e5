#include "measure/clock_probe.hpp"

#include <algorithm>
#include <chrono>

#include "core/thread_pool.hpp"

namespace flopmeter {

double probe_ghz_this_thread(std::int64_t adds) {
    std::int64_t iters = adds / 8;
    std::uint64_t x = 0;
    const auto t0 = std::chrono::steady_clock::now();
    // Eight dependent adds per iteration; the loop counter runs on another register in parallel.
    __asm__ volatile(
        "1:\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "dec %1\n\tjnz 1b\n\t"
        : "+r"(x), "+r"(iters)
        :
        : "cc");
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s > 0 ? double(x) / s / 1e9 : 0.0;
}

ClockReading probe_clock(int threads) {
    ClockReading r;
    r.per_core.assign(std::size_t(threads < 1 ? 1 : threads), 0.0);
    if (threads <= 1) {
        r.per_core[0] = probe_ghz_this_thread();
    } else {
        shared_thread_pool(threads).run([&](int tid) { r.per_core[std::size_t(tid)] = probe_ghz_this_thread(); });
    }
    r.min_ghz = *std::min_element(r.per_core.begin(), r.per_core.end());
    r.max_ghz = *std::max_element(r.per_core.begin(), r.per_core.end());
    return r;
}

ClockReading ClockMonitor::probe() {
    ClockReading r = probe_clock(threads_);
    reference_ = std::max(reference_, r.max_ghz);
    return r;
}

}  // namespace flopmeter
