// The other-work detector of measure/cpu_share.hpp: a busy child process is other work; the
// CPUs a case leaves idle absorb it.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "measure/cpu_share.hpp"

using namespace flopmeter;

namespace {
void spin_for(double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    volatile double x = 1;
    while (std::chrono::steady_clock::now() < end) x = x * 1.0000001 + 1e-9;
}
}  // namespace

TEST_CASE("a busy process beside a case is counted as other work", "[measure][contention]") {
    const CpuSnapshot a = cpu_snapshot();
    if (!a.ok) {
        WARN("no /proc/stat here: the other-work detector is unavailable");
        CHECK_FALSE(cpu_share_between(a, cpu_snapshot()).available);
        return;
    }
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        spin_for(0.6);
        _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    int status = 0;
    waitpid(child, &status, 0);
    const CpuShare s = cpu_share_between(a, cpu_snapshot());
    REQUIRE(s.available);
    CHECK(s.online_cpus >= 1);
    CHECK(s.wall_s >= 0.5);
    CHECK(s.others_cpus >= 0.3);  // the child ran most of the interval on some CPU
    CHECK(s.steal_cpus >= 0);
    // A case on every CPU lost time to it; its own threads' time is never "other".
    CHECK(s.taken_from(s.online_cpus) >= 0.3);
    CHECK(s.contends(s.online_cpus));
    // The same share with one CPU more than the other work needed is absorbed.
    CpuShare idle = s;
    idle.online_cpus = 64;
    idle.steal_cpus = 0;
    idle.others_cpus = 1.0;
    CHECK(idle.taken_from(1) == 0);
    CHECK_FALSE(idle.contends(1));
    // Under five clock ticks of evidence is never contention.
    CpuShare brief = s;
    brief.wall_s = 0.01;
    CHECK_FALSE(brief.contends(brief.online_cpus));
}
