// Floating-point operations counted by the CPU's performance counters (perf_event), to report
// beside the formula's count. Events: Intel FP_ARITH_INST_RETIRED (0xC7, one umask per width,
// weighted by lanes; FMA counts twice by definition of the event) and AMD Zen
// FpRetSseAvxOps (PMCx003, all flop kinds). Where counters are unsupported (VMs without a vPMU,
// perf_event_paranoid, other vendors) the status says why, once, and measurement goes on.
// The counting path has not been verified on hardware from here: the development machine has
// no counters (perf_event_open returns EOPNOTSUPP / ENOENT there).
#pragma once

#include <string>
#include <vector>

namespace flopmeter {

struct FlopCounterStatus {
    bool available = false;
    std::string method;  // "intel FP_ARITH_INST_RETIRED" or "amd FpRetSseAvxOps"
    std::string reason;  // why not, when unavailable
};

const FlopCounterStatus& flop_counter_status();  // probed once per process

// Counts over every thread of the process that exists when start() is called.
class FlopCounter {
  public:
    FlopCounter() = default;
    ~FlopCounter();
    FlopCounter(const FlopCounter&) = delete;
    FlopCounter& operator=(const FlopCounter&) = delete;
    bool start();   // false when counters are unavailable
    double stop();  // FLOPs counted since start(), -1 when unavailable

  private:
    struct Fd {
        int fd;
        double weight;
    };
    std::vector<Fd> fds_;
    void close_all();
};

}  // namespace flopmeter
