#include "measure/perf_counters.hpp"

#include <dirent.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

#include "core/cpu_features.hpp"

namespace flopmeter {

namespace {

struct Event {
    std::uint64_t config;
    double weight;  // FLOPs per count
};

long perf_open(perf_event_attr* attr, pid_t tid) {
    return syscall(SYS_perf_event_open, attr, tid, -1, -1, 0);
}

perf_event_attr raw_attr(std::uint32_t type, std::uint64_t config) {
    perf_event_attr a;
    std::memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = type;
    a.config = config;
    a.disabled = 1;
    a.exclude_kernel = 1;
    a.exclude_hv = 1;
    return a;
}

std::vector<Event> fp_events(std::string& method) {
    const CpuFeatures& f = cpu_features();
    if (f.vendor == "GenuineIntel") {
        method = "intel FP_ARITH_INST_RETIRED";
        // umask: scalar double, scalar single, 128 pd, 128 ps, 256 pd, 256 ps, 512 pd, 512 ps
        const std::pair<unsigned, double> u[] = {{0x01, 1}, {0x02, 1}, {0x04, 2}, {0x08, 4},
                                                 {0x10, 4}, {0x20, 8}, {0x40, 8}, {0x80, 16}};
        std::vector<Event> v;
        for (auto [mask, lanes] : u) v.push_back({0xC7ull | (std::uint64_t(mask) << 8), lanes});
        return v;
    }
    if (f.vendor == "AuthenticAMD" && f.family >= 0x17) {
        method = "amd FpRetSseAvxOps";
        return {{0x03ull | (0xFFull << 8), 1.0}};
    }
    method = "";
    return {};
}

std::vector<pid_t> thread_ids() {
    std::vector<pid_t> v;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') v.push_back(pid_t(std::atoi(e->d_name)));
        closedir(d);
    }
    return v;
}

FlopCounterStatus probe() {
    FlopCounterStatus s;
    perf_event_attr a = raw_attr(PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS);
    long fd = perf_open(&a, 0);
    if (fd < 0) {
        s.reason = std::string("perf_event_open: ") + std::strerror(errno);
        std::ifstream par("/proc/sys/kernel/perf_event_paranoid");
        int level = 0;
        if (par >> level) s.reason += " (perf_event_paranoid=" + std::to_string(level) + ")";
        return s;
    }
    close(int(fd));
    const std::vector<Event> ev = fp_events(s.method);
    if (ev.empty()) {
        s.reason = "no floating-point event known for this CPU vendor";
        return s;
    }
    for (const auto& e : ev) {
        perf_event_attr r = raw_attr(PERF_TYPE_RAW, e.config);
        long f = perf_open(&r, 0);
        if (f < 0) {
            s.reason = s.method + " event 0x" + std::to_string(e.config) +
                       " not accepted: " + std::strerror(errno);
            return s;
        }
        close(int(f));
    }
    s.available = true;
    return s;
}

}  // namespace

const FlopCounterStatus& flop_counter_status() {
    static const FlopCounterStatus s = probe();
    return s;
}

FlopCounter::~FlopCounter() {
    close_all();
}

void FlopCounter::close_all() {
    for (auto& f : fds_) close(f.fd);
    fds_.clear();
}

bool FlopCounter::start() {
    close_all();
    if (!flop_counter_status().available) return false;
    std::string method;
    const std::vector<Event> ev = fp_events(method);
    for (pid_t tid : thread_ids())
        for (const auto& e : ev) {
            perf_event_attr a = raw_attr(PERF_TYPE_RAW, e.config);
            const long fd = perf_open(&a, tid);
            if (fd < 0) continue;  // a thread that exited meanwhile
            fds_.push_back({int(fd), e.weight});
        }
    for (auto& f : fds_) {
        ioctl(f.fd, PERF_EVENT_IOC_RESET, 0);
        ioctl(f.fd, PERF_EVENT_IOC_ENABLE, 0);
    }
    return !fds_.empty();
}

double FlopCounter::stop() {
    if (fds_.empty()) return -1.0;
    double total = 0;
    for (auto& f : fds_) {
        ioctl(f.fd, PERF_EVENT_IOC_DISABLE, 0);
        std::uint64_t count = 0;
        if (read(f.fd, &count, sizeof count) == ssize_t(sizeof count))
            total += double(count) * f.weight;
    }
    close_all();
    return total;
}

}  // namespace flopmeter
