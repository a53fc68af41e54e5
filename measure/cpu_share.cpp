#include "measure/cpu_share.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace flopmeter {

CpuSnapshot cpu_snapshot() {
    CpuSnapshot s;
    s.wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    std::ifstream f("/proc/stat");
    std::string line;
    if (!f || !std::getline(f, line) || line.rfind("cpu ", 0) != 0) return s;
    std::istringstream in(line.substr(4));
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in
    // user)
    double v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (double& x : v)
        if (!(in >> x)) return s;
    const double tick = double(sysconf(_SC_CLK_TCK));
    if (!(tick > 0)) return s;
    s.busy_s = (v[0] + v[1] + v[2] + v[5] + v[6]) / tick;
    s.steal_s = v[7] / tick;
    rusage ru{};
    if (getrusage(RUSAGE_SELF, &ru) != 0) return s;
    s.self_s = double(ru.ru_utime.tv_sec) + 1e-6 * double(ru.ru_utime.tv_usec) +
               double(ru.ru_stime.tv_sec) + 1e-6 * double(ru.ru_stime.tv_usec);
    s.ok = true;
    return s;
}

CpuShare cpu_share_between(const CpuSnapshot& a, const CpuSnapshot& b) {
    CpuShare c;
    const double wall = b.wall_s - a.wall_s;
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (!a.ok || !b.ok || !(wall > 0) || cpus <= 0) return c;
    c.available = true;
    c.online_cpus = int(cpus);
    c.wall_s = wall;
    // /proc/stat counts in clock ticks (10 ms): below a few ticks the share is noise.
    c.others_cpus = std::max(0.0, (b.busy_s - a.busy_s) - (b.self_s - a.self_s)) / wall;
    c.steal_cpus = std::max(0.0, b.steal_s - a.steal_s) / wall;
    return c;
}

double CpuShare::taken_from(int threads) const {
    if (!available) return 0;
    const double idle_for_others = std::max(0, online_cpus - std::max(1, threads));
    return std::max(0.0, others_cpus + steal_cpus - idle_for_others);
}

bool CpuShare::contends(int threads) const {
    const double taken = taken_from(threads);
    const double tick = double(sysconf(_SC_CLK_TCK));
    return taken > 0.05 * std::max(1, threads) && taken * wall_s >= 5.0 / (tick > 0 ? tick : 100.0);
}

}  // namespace flopmeter
