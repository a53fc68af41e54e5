// The process's GPU state that every case shares: one non-blocking stream (the blocking
// kernel, the timed work and the L2 scrub are ordered on it), the cuBLAS and cuBLASLt handles
// bound to it, and cuBLASLt's workspace. Created on first use, after require_cuda_device().
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstddef>

#include "kernels/cuda/common/device_buffer.hpp"

namespace flopmeter {

struct CudaContext {
    cudaStream_t stream = nullptr;
    cublasHandle_t blas = nullptr;
    cublasLtHandle_t lt = nullptr;
    DeviceBuffer lt_workspace;  // 32 MiB: what NVIDIA recommends for cuBLASLt on Hopper
};

// Throws UnavailableError when there is no device.
CudaContext& cuda_context();

// Synchronises the context's stream and throws on any pending error (launch failures show up
// here when they were asynchronous).
void cuda_sync(const char* what);

// cuBLAS status -> exception (CUBLAS_STATUS_ALLOC_FAILED: out of memory; NOT_SUPPORTED:
// unavailable), naming the call.
void cublas_check(cublasStatus_t s, const char* what);

}  // namespace flopmeter

#define FM_CUBLAS(call) ::flopmeter::cublas_check((call), #call)
