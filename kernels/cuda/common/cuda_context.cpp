#include "kernels/cuda/common/cuda_context.hpp"

#include <memory>
#include <mutex>
#include <string>

#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/cuda_device.hpp"

namespace flopmeter {

void cublas_check(cublasStatus_t s, const char* what) {
    if (s == CUBLAS_STATUS_SUCCESS) return;
    const std::string msg =
        std::string(what) + ": " + cublasGetStatusName(s) + " (" + cublasGetStatusString(s) + ")";
    if (s == CUBLAS_STATUS_ALLOC_FAILED)
        throw UnavailableError("out of device memory in cuBLAS: " + msg);
    if (s == CUBLAS_STATUS_NOT_SUPPORTED || s == CUBLAS_STATUS_ARCH_MISMATCH)
        throw UnavailableError("cuBLAS cannot run this here: " + msg);
    throw CudaError("cuBLAS error in " + msg);
}

CudaContext& cuda_context() {
    cuda_device();  // requires a device
    static std::once_flag once;
    static std::unique_ptr<CudaContext> ctx;
    static std::string error;
    std::call_once(once, [] {
        try {
            auto c = std::make_unique<CudaContext>();
            FM_CUDA(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
            FM_CUBLAS(cublasCreate(&c->blas));
            FM_CUBLAS(cublasSetStream(c->blas, c->stream));
            FM_CUBLAS(cublasLtCreate(&c->lt));
            c->lt_workspace = DeviceBuffer(32u << 20, "the cuBLASLt workspace");
            ctx = std::move(c);
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    if (!ctx) throw UnavailableError(error.empty() ? "CUDA context creation failed" : error);
    return *ctx;
}

void cuda_sync(const char* what) {
    cuda_check_launch(what);
    cuda_check(cudaStreamSynchronize(cuda_context().stream), what);
}

}  // namespace flopmeter
