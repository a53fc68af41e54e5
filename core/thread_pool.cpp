#include "core/thread_pool.hpp"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/error.hpp"
#include "core/topology.hpp"

namespace flopmeter {

namespace {
constexpr int kSpinIterations = 20000;  // ~50-100 us of pause before sleeping
}

ThreadPool::ThreadPool(int threads) : size_(threads < 1 ? 1 : threads) {
    pinned_ = size_ <= topology().cores;
    busy_ns_ = std::make_unique<std::atomic<std::int64_t>[]>(std::size_t(size_));
    for (int t = 0; t < size_; ++t) busy_ns_[std::size_t(t)].store(0, std::memory_order_relaxed);
    for (int t = 1; t < size_; ++t) workers_.emplace_back([this, t] { worker_main(t); });
}

ThreadPool::~ThreadPool() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
}

std::string ThreadPool::binding() const {
    const std::string range = size_ == 1 ? "0" : "0.." + std::to_string(size_ - 1);
    if (!pinned_) return std::to_string(size_) + " threads unpinned (more threads than cores)";
    return "threads " + range + " pinned to cores " + range + " (hwloc)";
}

void ThreadPool::worker_main(int tid) {
    if (pinned_) bind_current_thread_to_core(tid);
    std::uint64_t seen = 0;
    for (;;) {
        std::uint64_t g = generation_.load(std::memory_order_acquire);
        for (int i = 0; g == seen && i < kSpinIterations; ++i) {
            _mm_pause();
            g = generation_.load(std::memory_order_acquire);
        }
        while (g == seen) {
            generation_.wait(seen, std::memory_order_acquire);
            g = generation_.load(std::memory_order_acquire);
        }
        seen = g;
        if (stop_.load(std::memory_order_acquire)) return;
        run_member(tid);
        done_.fetch_add(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::run_member(int tid) {
    const auto t0 = std::chrono::steady_clock::now();
    fn_(ctx_, tid);
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    busy_ns_[std::size_t(tid)].fetch_add(std::int64_t(ns), std::memory_order_relaxed);
}

std::vector<double> ThreadPool::busy_seconds() const {
    std::vector<double> v(static_cast<std::size_t>(size_));
    for (int t = 0; t < size_; ++t)
        v[std::size_t(t)] = 1e-9 * double(busy_ns_[std::size_t(t)].load(std::memory_order_relaxed));
    return v;
}

void ThreadPool::run_impl(Trampoline fn, void* ctx) {
    if (size_ == 1) {
        fn(ctx, 0);
        return;
    }
    ScopedCoreBinding bind(pinned_ ? 0 : -1);
    fn_ = fn;
    ctx_ = ctx;
    done_.store(0, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    run_member(0);
    while (done_.load(std::memory_order_acquire) != size_ - 1) _mm_pause();
}

namespace {
std::mutex pools_mu;
std::map<int, std::unique_ptr<ThreadPool>>& pools() {
    static std::map<int, std::unique_ptr<ThreadPool>> p;
    return p;
}
}  // namespace

ThreadPool& shared_thread_pool(int threads) {
    std::lock_guard<std::mutex> lock(pools_mu);
    auto& p = pools()[threads];
    if (!p) p = std::make_unique<ThreadPool>(threads);
    return *p;
}

std::vector<PoolBusy> shared_pools_busy() {
    std::lock_guard<std::mutex> lock(pools_mu);
    std::vector<PoolBusy> v;
    for (const auto& [n, p] : pools())
        if (p && p->size() >= 2) v.push_back({p->size(), p->busy_seconds()});
    return v;
}

int default_thread_count() {
    const int c = topology().cores;
    if (c > 0) return c;
    const unsigned h = std::thread::hardware_concurrency();
    return h ? int(h) : 1;
}

int max_thread_count() {
    const int pus = topology().pus;
    const unsigned h = std::thread::hardware_concurrency();
    return std::max({pus, int(h), default_thread_count(), 1});
}

int resolve_thread_count(int requested, const char* option) {
    if (requested == 0) return default_thread_count();
    const int most = max_thread_count();
    if (requested < 0 || requested > most)
        throw UsageError(std::string(option) + " " + std::to_string(requested) +
                         ": must be between 1 and " + std::to_string(most) +
                         " (the hardware threads of this machine)");
    return requested;
}

}  // namespace flopmeter
