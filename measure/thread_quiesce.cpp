#include "measure/thread_quiesce.hpp"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace flopmeter {

double other_threads_cpu_seconds() {
    DIR* d = ::opendir("/proc/self/task");
    if (!d) return -1;
    const long self = long(::syscall(SYS_gettid));
    double total = 0;
    bool any = false;
    while (const dirent* e = ::readdir(d)) {
        const long tid = std::strtol(e->d_name, nullptr, 10);
        if (tid <= 0 || tid == self) continue;
        char path[64];
        std::snprintf(path, sizeof path, "/proc/self/task/%ld/schedstat", tid);
        FILE* f = std::fopen(path, "r");
        if (!f) continue;  // the thread ended meanwhile
        unsigned long long ns = 0;
        if (std::fscanf(f, "%llu", &ns) == 1) {
            total += double(ns) * 1e-9;
            any = true;
        }
        std::fclose(f);
    }
    ::closedir(d);
    // A process with no other thread is quiet; one whose threads' times could not be read is
    // not known to be.
    if (!any) {
        FILE* f = std::fopen("/proc/self/schedstat", "r");
        if (!f) return -1;
        std::fclose(f);
    }
    return total;
}

double wait_for_quiet_threads(double max_s, double window_s) {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    auto since = [&] { return std::chrono::duration<double>(clock::now() - t0).count(); };
    const auto window = std::chrono::duration<double>(window_s);
    double before = other_threads_cpu_seconds();
    if (before < 0) {
        std::this_thread::sleep_for(std::chrono::duration<double>(max_s));
        return since();
    }
    while (since() < max_s) {
        const auto w0 = clock::now();
        std::this_thread::sleep_for(window);
        const double after = other_threads_cpu_seconds();
        const double slept = std::chrono::duration<double>(clock::now() - w0).count();
        if (after < 0) break;
        if (after - before < 0.1 * slept) return since();
        before = after;
    }
    return since();
}

}  // namespace flopmeter
