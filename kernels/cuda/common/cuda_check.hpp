// CUDA and cuBLAS status codes turned into flopmeter's exceptions, so every GPU failure ends as
// one clear line and exit code 2 in the CLI (core/error.hpp):
//  - no device / no driver         -> UnavailableError "no CUDA device: ..."
//  - out of device memory          -> UnavailableError "out of device memory: ..."
//  - launch failures, faults, ...  -> CudaError (an UnavailableError too: the GPU could not
//                                     run the case; measure_case records it as an error)
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "core/error.hpp"

namespace flopmeter {

class CudaError : public UnavailableError {
  public:
    using UnavailableError::UnavailableError;
};

// Throws for anything but cudaSuccess; `what` names the call or the step.
void cuda_check(cudaError_t e, const char* what);
// Checks for a pending launch error (cudaGetLastError) after kernel launches.
void cuda_check_launch(const char* what);

// Messages (also used by the device probe), e.g. "CUDA driver version is insufficient ...".
std::string cuda_error_text(cudaError_t e);

}  // namespace flopmeter

#define FM_CUDA(call) ::flopmeter::cuda_check((call), #call)
