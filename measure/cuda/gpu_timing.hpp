// The GPU side of a measurement, shared by every case in the process:
//  - a blocking kernel: a one-thread kernel that spins on a host-mapped flag, launched before
//    the timed calls are queued and released once they all are, so the GPU runs them back to
//    back and CUDA events around them time the GPU's work, not the host's launch rate
//    (nvbench's technique). It gives up after a timeout (so a host that cannot queue, e.g. a
//    full launch queue or a synchronising call, never hangs) and reports that it did;
//  - an L2 scrub for cold mode: reading a buffer of twice the device's L2
//    (cudaDevAttrL2CacheSize) evicts the operands and leaves only clean lines behind;
//  - two CUDA events.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/common/device_buffer.hpp"

namespace flopmeter {

class CudaTiming {
  public:
    // Requires a device. Allocates the scrub buffer lazily (first cold sample).
    CudaTiming();
    ~CudaTiming();
    CudaTiming(const CudaTiming&) = delete;
    CudaTiming& operator=(const CudaTiming&) = delete;

    void block(cudaStream_t s);     // queue the spinning kernel; the flag is armed before it
    void release();                 // let it finish
    bool take_timed_out();          // did the last spin give up? (resets)
    void scrub_l2(cudaStream_t s);  // queue the scrub
    std::int64_t scrub_bytes() const { return scrub_bytes_; }
    cudaEvent_t start() const { return start_; }
    cudaEvent_t stop() const { return stop_; }

    // Timeout of the spin, and the most calls queued behind it at once (CUDA's launch queue
    // holds about a thousand launches; a call may launch several kernels).
    static constexpr double kSpinTimeoutS = 5.0;
    static constexpr std::int64_t kMaxQueuedCalls = 128;

  private:
    volatile int* flag_ = nullptr;   // pinned, mapped: [0] release flag, [1] timed-out flag
    volatile int* dflag_ = nullptr;  // the same memory as the device addresses it
    DeviceBuffer scrub_;
    std::int64_t scrub_bytes_ = 0;
    DeviceBuffer sink_;
    cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

CudaTiming& cuda_timing();

// Launchers (gpu_timing.cu).
void launch_spin_wait(const volatile int* flag, volatile int* timed_out, std::uint64_t timeout_ns,
                      cudaStream_t s);
void launch_l2_scrub(const void* buf, std::int64_t bytes, unsigned* sink, cudaStream_t s);

}  // namespace flopmeter
