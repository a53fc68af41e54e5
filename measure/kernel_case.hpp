// One benchmark case of any op on any device, as the measurement path sees it. GemmCase,
// the attention cases and the GPU cases implement it; measure_case() runs the phases.
#pragma once

#include <cstdint>

#include "measure/gemm_validate.hpp"
#include "measure/result.hpp"

namespace flopmeter {

class KernelCase {
  public:
    virtual ~KernelCase() = default;

    // Identity, FLOP and byte counts (from core/flops.hpp), kernel set; no timing.
    virtual CaseResult describe() const = 0;
    // Runs the kernel once on fresh inputs and checks it against the op's oracle.
    virtual ValidationReport validate() = 0;
    // The timed call.
    virtual void run() = 0;
    // Duration of `calls` back-to-back calls in seconds. The CPU default uses the steady
    // clock; device cases override it (CUDA events).
    virtual double timed_run(std::int64_t calls);

    // Cold mode: operand sets the case can rotate through (each one validated data), and the
    // switch between them; the default is a single set.
    virtual int operand_sets() const { return 1; }
    virtual void select_operand_set(int) {}
    // Whether measure_case should scrub host caches in cold mode (device cases flush their own).
    virtual bool host_caches_matter() const { return true; }
    // Optional hook before each cold sample (a GPU case flushes its L2 here).
    virtual void flush_device_cache() {}
};

}  // namespace flopmeter
