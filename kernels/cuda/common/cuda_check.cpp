#include "kernels/cuda/common/cuda_check.hpp"

#include <cstdio>

namespace flopmeter {

std::string cuda_error_text(cudaError_t e) {
    return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
}

void cuda_check(cudaError_t e, const char* what) {
    if (e == cudaSuccess) return;
    if (e == cudaErrorMemoryAllocation) {
        cudaGetLastError();  // not sticky: clear it so later calls work
        size_t free_b = 0, total_b = 0;
        cudaMemGetInfo(&free_b, &total_b);
        char buf[160];
        std::snprintf(buf, sizeof buf, " (%.2f GiB free of %.2f GiB); choose smaller sizes",
                      double(free_b) / 1073741824.0, double(total_b) / 1073741824.0);
        throw UnavailableError(std::string("out of device memory in ") + what + buf);
    }
    if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver)
        throw UnavailableError("no CUDA device: " + cuda_error_text(e));
    throw CudaError(std::string("CUDA error in ") + what + ": " + cuda_error_text(e));
}

void cuda_check_launch(const char* what) {
    cuda_check(cudaGetLastError(), what);
}

}  // namespace flopmeter
