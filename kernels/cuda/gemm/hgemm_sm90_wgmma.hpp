// Host interface of hgemm_sm90_wgmma_128x256x64 (the kernel's header comment is in its .cu).
#pragma once

#include <cuda.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cuda/gemm/gpu_gemm_problem.hpp"

namespace flopmeter {

// True when the loaded binary of the kernel is sm_90 machine code (wgmma and TMA present).
bool hgemm_sm90_wgmma_runnable();

// ta: A's tensor map (box 64 k x 128 m when A is K-contiguous, else 64 m x 64 k);
// tb: B's (box 64 k x 256 n when B is K-contiguous, else 64 n x 64 k). See the plan.
void launch_hgemm_sm90_wgmma_128x256x64(const GpuGemmProblem& p, const CUtensorMap& ta,
                                        const CUtensorMap& tb, void* c, std::int64_t ldc,
                                        cudaStream_t s);

}  // namespace flopmeter
