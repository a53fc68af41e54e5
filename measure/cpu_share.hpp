// CPU time other work took while a case ran: all CPUs' busy and steal time from /proc/stat,
// minus this process's own CPU time (getrusage). The clock probe (measure/clock_probe.hpp)
// catches a core running slower; this catches a core given to someone else for a while,
// which a short probe before and after can miss (another process on a shared machine, or
// the hypervisor stealing a vCPU). Linux only: elsewhere `available` is false.
#pragma once

namespace flopmeter {

struct CpuSnapshot {
    bool ok = false;
    double busy_s = 0, steal_s = 0;  // all CPUs, since boot
    double self_s = 0;               // this process, user + system
    double wall_s = 0;
};

CpuSnapshot cpu_snapshot();

struct CpuShare {
    bool available = false;
    double others_cpus = 0;  // CPUs' worth of other processes' time over the interval
    double steal_cpus = 0;   // CPUs' worth of time the hypervisor took
    int online_cpus = 0;
    double wall_s = 0;
    // CPUs' worth of time taken from a case that runs `threads` threads: what others and the
    // hypervisor used beyond the CPUs the case leaves idle.
    double taken_from(int threads) const;
    // Whether that is enough to call the case contended: over 5% of its threads' time, and at
    // least 5 clock ticks of /proc/stat (so tick rounding alone never flags a short case).
    bool contends(int threads) const;
};

CpuShare cpu_share_between(const CpuSnapshot& before, const CpuSnapshot& after);

}  // namespace flopmeter
