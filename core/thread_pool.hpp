// A fixed team of threads for the own kernels: worker i is pinned (hwloc) to core i, the
// calling thread runs member 0 pinned to core 0 for the duration of run() and restored after,
// so vendor libraries called later (OpenMP, OpenBLAS) still see the caller's own binding.
// Workers spin briefly between jobs, then sleep on a futex, so back-to-back calls in a timing
// loop do not pay a wake-up each, and an idle pool does not steal cycles from other libraries.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace flopmeter {

class ThreadPool {
  public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return size_; }
    bool pinned() const { return pinned_; }
    std::string binding() const;  // e.g. "threads 0..1 pinned to cores 0..1 (hwloc)"

    // Seconds each member has spent inside jobs since the pool was made (steady clock, read
    // by each member around its share of a job). A member whose vCPU the host took runs its
    // share longer than the others: measure/thread_stall.hpp tells that from the others.
    std::vector<double> busy_seconds() const;

    // Runs f(tid) for tid in [0, size()) concurrently and returns when all have finished.
    template <class F>
    void run(F&& f) {
        run_impl([](void* ctx, int tid) { (*static_cast<std::remove_reference_t<F>*>(ctx))(tid); },
                 static_cast<void*>(&f));
    }

  private:
    using Trampoline = void (*)(void*, int);
    void run_impl(Trampoline fn, void* ctx);
    void worker_main(int tid);
    void run_member(int tid);

    int size_ = 1;
    bool pinned_ = false;
    std::vector<std::thread> workers_;
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<int> done_{0};
    std::atomic<bool> stop_{false};
    Trampoline fn_ = nullptr;
    void* ctx_ = nullptr;
    std::unique_ptr<std::atomic<std::int64_t>[]> busy_ns_;
};

// A process-wide pool per thread count, created on first use.
ThreadPool& shared_thread_pool(int threads);

// busy_seconds() of every shared pool with at least two members, by pool size.
struct PoolBusy {
    int size = 0;
    std::vector<double> busy;
};
std::vector<PoolBusy> shared_pools_busy();

// Threads to use when the user does not say: one per core.
int default_thread_count();

// Most threads a command accepts: the machine's hardware threads (hwloc PUs). More would only
// time-slice kernels against each other, and a huge count exhausts the process's threads.
int max_thread_count();

// The --threads option resolved: 0 means default_thread_count(); a negative count or one above
// max_thread_count() throws UsageError naming the option and the limit.
int resolve_thread_count(int requested, const char* option = "--threads");

}  // namespace flopmeter
