#include "measure/clock_probe.hpp"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "core/thread_pool.hpp"

namespace flopmeter {

namespace {

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// `adds` dependent adds (rounded down to a multiple of 8); returns how many ran.
std::uint64_t add_chain(std::int64_t adds) {
    std::int64_t iters = adds / 8;
    std::uint64_t x = 0;
    // Eight dependent adds per iteration; the loop counter runs on another register in parallel.
    __asm__ volatile(
        "1:\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "dec %1\n\tjnz 1b\n\t"
        : "+r"(x), "+r"(iters)
        :
        : "cc");
    return x;
}

constexpr int kFmaChains = 12;  // enough independent chains to fill two FMA pipes of latency 4-5
constexpr std::int64_t kFmaIters = 1 << 15;  // x 12 FMAs: ~0.06 ms on a current core
constexpr std::int64_t kCoRunAdds = 1 << 20;

bool have_fma() {
    static const bool f = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return f;
}

// kFmaIters x kFmaChains independent 8-lane FMAs; the result is returned so none is dropped.
__attribute__((target("avx2,fma"))) float fma_block() {
    __m256 acc[kFmaChains];
    for (int c = 0; c < kFmaChains; ++c) acc[c] = _mm256_set1_ps(1.0f + 0.01f * float(c));
    const __m256 m = _mm256_set1_ps(0.9999999f), a = _mm256_set1_ps(1e-7f);
    for (std::int64_t i = 0; i < kFmaIters; ++i)
        for (int c = 0; c < kFmaChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], m, a);
    __m256 s = acc[0];
    for (int c = 1; c < kFmaChains; ++c) s = _mm256_add_ps(s, acc[c]);
    alignas(32) float out[8];
    _mm256_store_ps(out, s);
    return out[0];
}

std::atomic<float> g_sink{0.0f};

}  // namespace

ClockReading probe_clock(int threads) {
    const int n = threads < 1 ? 1 : threads;
    struct Times {
        double start = 0, mid = 0, end = 0;
        std::uint64_t adds = 0;
    };
    std::vector<Times> t(static_cast<std::size_t>(n));
    std::atomic<int> arrived{0};
    const bool fma = have_fma();
    auto body = [&](int tid) {
        // Meet first, so a thread that was woken late is not mistaken for a slow one; after
        // the barrier all start together unless a vCPU was off its CPU (see the header).
        arrived.fetch_add(1, std::memory_order_acq_rel);
        while (arrived.load(std::memory_order_acquire) < n) _mm_pause();
        Times& m = t[static_cast<std::size_t>(tid)];
        m.start = now_s();
        m.adds = add_chain(kCoRunAdds);
        m.mid = now_s();
        if (fma) g_sink.store(fma_block(), std::memory_order_relaxed);
        m.end = now_s();
    };
    if (n == 1) {
        body(0);
    } else {
        shared_thread_pool(n).run(body);
    }
    double first = t[0].start, last = t[0].start;
    for (const auto& m : t) {
        first = std::min(first, m.start);
        last = std::max(last, m.start);
    }
    ClockReading r;
    r.start_skew_s = last - first;
    for (const auto& m : t) {
        r.per_core.push_back(m.mid > m.start ? double(m.adds) / (m.mid - m.start) / 1e9 : 0.0);
        if (fma)
            r.fma_per_core.push_back(
                m.end > m.mid ? double(kFmaIters * kFmaChains) / (m.end - m.mid) / 1e9 : 0.0);
    }
    r.min_ghz = *std::min_element(r.per_core.begin(), r.per_core.end());
    r.max_ghz = *std::max_element(r.per_core.begin(), r.per_core.end());
    if (fma) {
        r.min_fma = *std::min_element(r.fma_per_core.begin(), r.fma_per_core.end());
        r.max_fma = *std::max_element(r.fma_per_core.begin(), r.fma_per_core.end());
    }
    return r;
}

ClockReading ClockMonitor::probe() {
    ClockReading r = probe_clock(threads_);
    // The reference is the best reading of the slowest thread: with all the case's cores busy
    // the clock is the all-core boost, lower than a lone thread's, and a thread that ran its
    // chain alone (another started late) must not set a bar the case never reaches.
    reference_ = std::max(reference_, r.min_ghz);
    fma_reference_ = std::max(fma_reference_, r.min_fma);
    return r;
}

}  // namespace flopmeter
