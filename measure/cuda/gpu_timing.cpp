#include "measure/cuda/gpu_timing.hpp"

#include <atomic>
#include <memory>
#include <mutex>

#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/cuda_context.hpp"
#include "kernels/cuda/common/cuda_device.hpp"

namespace flopmeter {

CudaTiming::CudaTiming() {
    cuda_device();
    void* p = nullptr;
    FM_CUDA(cudaHostAlloc(&p, 2 * sizeof(int), cudaHostAllocMapped));
    flag_ = static_cast<volatile int*>(p);
    void* dp = nullptr;
    FM_CUDA(cudaHostGetDevicePointer(&dp, p, 0));
    dflag_ = static_cast<volatile int*>(dp);
    flag_[0] = 1;
    flag_[1] = 0;
    FM_CUDA(cudaEventCreate(&start_));
    FM_CUDA(cudaEventCreate(&stop_));
    sink_ = DeviceBuffer(16, "the L2 scrub's sink");
    // Load the spin kernel now (released at once), so no module loading happens while blocked.
    cudaStream_t s = cuda_context().stream;
    launch_spin_wait(dflag_, dflag_ + 1, 1000, s);
    FM_CUDA(cudaStreamSynchronize(s));
}

CudaTiming::~CudaTiming() {
    if (start_) cudaEventDestroy(start_);
    if (stop_) cudaEventDestroy(stop_);
    if (flag_) cudaFreeHost(const_cast<int*>(flag_));
}

void CudaTiming::block(cudaStream_t s) {
    flag_[0] = 0;
    flag_[1] = 0;
    std::atomic_thread_fence(std::memory_order_seq_cst);
    launch_spin_wait(dflag_, dflag_ + 1, std::uint64_t(kSpinTimeoutS * 1e9), s);
}

void CudaTiming::release() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    flag_[0] = 1;
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

bool CudaTiming::take_timed_out() {
    const bool t = flag_[1] != 0;
    flag_[1] = 0;
    return t;
}

void CudaTiming::scrub_l2(cudaStream_t s) {
    if (scrub_bytes_ == 0) {
        const std::int64_t l2 = cuda_device().l2_bytes > 0 ? cuda_device().l2_bytes : (64ll << 20);
        scrub_bytes_ = 2 * l2;
        scrub_ = DeviceBuffer(std::size_t(scrub_bytes_), "the L2 scrub buffer");
        FM_CUDA(cudaMemsetAsync(scrub_.data(), 0x5a, std::size_t(scrub_bytes_), s));
    }
    launch_l2_scrub(scrub_.data(), scrub_bytes_, sink_.as<unsigned>(), s);
}

CudaTiming& cuda_timing() {
    static std::once_flag once;
    static std::unique_ptr<CudaTiming> t;
    static std::string error;
    std::call_once(once, [] {
        try {
            t = std::make_unique<CudaTiming>();
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    if (!t) throw UnavailableError(error.empty() ? "CUDA timing setup failed" : error);
    return *t;
}

}  // namespace flopmeter
