#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "measure/thread_quiesce.hpp"

using namespace flopmeter;

TEST_CASE("waiting for quiet threads outlasts a spinning thread", "[measure][quiesce]") {
    if (other_threads_cpu_seconds() < 0) {
        WARN("/proc/self/task/*/schedstat unreadable here: the wait falls back to a fixed pause");
        return;
    }
    SECTION("a process without busy threads is quiet at once") {
        CHECK(wait_for_quiet_threads(2.0, 0.02) < 0.5);
    }
    SECTION("a thread spinning 150 ms after its work, like a BLAS worker") {
        std::atomic<bool> done{false};
        std::thread spinner([&] {
            const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
            while (std::chrono::steady_clock::now() < end) {
            }
            done = true;
            std::this_thread::sleep_for(
                std::chrono::seconds(1));  // then idle, like a parked worker
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        const double waited = wait_for_quiet_threads(3.0, 0.04);
        CHECK(done.load());
        CHECK(waited >= 0.1);
        CHECK(waited < 2.0);
        spinner.join();
    }
    SECTION("the wait ends at its limit when the threads never go quiet") {
        std::atomic<bool> stop{false};
        std::thread spinner([&] {
            while (!stop.load()) {
            }
        });
        const double waited = wait_for_quiet_threads(0.2, 0.02);
        stop = true;
        spinner.join();
        CHECK(waited >= 0.2);
        CHECK(waited < 1.0);
    }
}
