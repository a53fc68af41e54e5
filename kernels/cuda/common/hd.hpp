// FM_HD marks functions that both the host and the device call: index arithmetic of the GPU
// kernels is written once, compiled into the kernels by nvcc and into the unit tests by the
// host compiler, so the CPU tests check the very arithmetic the kernels run.
// Headers that use it stay C++17 (nvcc compiles device code as C++17, see sources.cmake).
#pragma once

#if defined(__CUDACC__)
#define FM_HD __host__ __device__
#else
#define FM_HD
#endif
