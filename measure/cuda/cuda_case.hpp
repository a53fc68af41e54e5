// A KernelCase whose work runs on the GPU. Subclasses say what one call enqueues; this base
// times it the GPU way and measure_cuda_case() adds what only a GPU run has:
//  - timed_run(calls): the blocking kernel holds the stream while the calls are queued, CUDA
//    events bracket them, so the time is the GPU's (no launch overhead, no host jitter);
//  - cold mode: the L2 is scrubbed before each sample (sized from the device attribute);
//    host caches are left alone;
//  - NVML per sample: SM clock and clock-event (throttle) reasons, read while the sample runs;
//  - an energy window after the samples: the same calls back to back for a set time between
//    two reads of the energy counter, giving power and joules per model FLOP.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <vector>

#include "measure/cuda/nvml.hpp"
#include "measure/kernel_case.hpp"
#include "measure/measure_case.hpp"

namespace flopmeter {

class CudaCase : public KernelCase {
  public:
    CudaCase();  // requires a device (throws UnavailableError "no CUDA device: ...")

    // Queues one call's work on `s`, asynchronously; never synchronises.
    virtual void enqueue(cudaStream_t s) = 0;

    void run() override;  // enqueue, synchronise, throw on any CUDA error
    double timed_run(std::int64_t calls) override;
    bool host_caches_matter() const override { return false; }
    void flush_device_cache() override;

    // NVML readings taken during the samples (warm-up included), and how often the blocking
    // kernel gave up before the calls were queued.
    const std::vector<NvmlReading>& readings() const { return readings_; }
    int spin_timeouts() const { return spin_timeouts_; }
    void clear_log();

  protected:
    cudaStream_t stream() const { return stream_; }

  private:
    cudaStream_t stream_ = nullptr;
    std::vector<NvmlReading> readings_;
    int spin_timeouts_ = 0;
};

struct CudaMeasureOptions {
    double energy_s = 0.5;  // energy window; 0 turns it off
};

// measure_case() with the CPU-only probes (add-chain clock, perf counters) turned off, then the
// GPU annotations: params device, sm_clock_mhz (median/min/max over samples), mem_clock_mhz,
// clock_reasons, power_w, energy_j_per_call, energy_pj_per_model_flop, energy_window_s,
// timer, l2_scrub_bytes; warnings THROTTLED (power/thermal reasons seen) and when the energy
// counter could not be used.
CaseResult measure_cuda_case(CudaCase& c, const MeasureOptions& o, MeasureContext& ctx,
                             const CudaMeasureOptions& g);

// A "device" param for results: "NVIDIA H200 (cc 9.0, 132 SMs)".
std::string cuda_device_label();

}  // namespace flopmeter
