#include "kernels/cuda/common/device_buffer.hpp"

#include <cuda_runtime_api.h>

#include "kernels/cuda/common/cuda_check.hpp"

namespace flopmeter {

DeviceBuffer::DeviceBuffer(std::size_t bytes, const std::string& what) : n_(bytes) {
    if (bytes == 0) return;
    const std::string step = "cudaMalloc of " + std::to_string(bytes) + " bytes for " + what;
    cuda_check(cudaMalloc(&p_, bytes), step.c_str());
}

DeviceBuffer::~DeviceBuffer() {
    if (p_) cudaFree(p_);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
        if (p_) cudaFree(p_);
        p_ = std::exchange(o.p_, nullptr);
        n_ = std::exchange(o.n_, 0);
    }
    return *this;
}

}  // namespace flopmeter
