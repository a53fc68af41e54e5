// FMA probes for the CUDA cores' ceilings, per dtype: every thread runs 8 independent FMA chains
// (enough to cover the FMA latency at full occupancy) on values that stay bounded
// (x = x*a + b with |a| < 1), so the loop is pure FMA throughput. fp16/bf16 use the paired
// instructions (HFMA2, 2 FMAs each). The result is stored only when it equals a value it cannot
// take, which keeps the work alive. FLOPs = threads * iters * 8 chains * 2 (* 2 for pairs).
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "kernels/cuda/common/cuda_check.hpp"
#include "measure/cuda/roofline/cuda_roofline.hpp"

namespace flopmeter {

namespace {

constexpr int kChains = 8, kThreads = 256, kUnroll = 16;

template <class T>
struct FmaOps;
template <>
struct FmaOps<float> {
    static __device__ float init(int i) { return 1.0f + 0.001f * float(i); }
    static __device__ float fma(float x, float a, float b) { return fmaf(x, a, b); }
    static __device__ float a() { return 0.9999f; }
    static __device__ float b() { return 0.0001f; }
    static __device__ bool impossible(float x) { return x == -1234.5f; }
    static __device__ void store(void* sink, float x) { *static_cast<float*>(sink) = x; }
};
template <>
struct FmaOps<double> {
    static __device__ double init(int i) { return 1.0 + 0.001 * double(i); }
    static __device__ double fma(double x, double a, double b) { return ::fma(x, a, b); }
    static __device__ double a() { return 0.9999; }
    static __device__ double b() { return 0.0001; }
    static __device__ bool impossible(double x) { return x == -1234.5; }
    static __device__ void store(void* sink, double x) { *static_cast<double*>(sink) = x; }
};
template <>
struct FmaOps<__half2> {
    static __device__ __half2 init(int i) {
        return __floats2half2_rn(1.0f + 0.01f * float(i), 0.5f);
    }
    static __device__ __half2 fma(__half2 x, __half2 a, __half2 b) { return __hfma2(x, a, b); }
    static __device__ __half2 a() { return __floats2half2_rn(0.99f, 0.99f); }
    static __device__ __half2 b() { return __floats2half2_rn(0.01f, 0.01f); }
    static __device__ bool impossible(__half2 x) { return __low2float(x) == -1234.5f; }
    static __device__ void store(void* sink, __half2 x) { *static_cast<__half2*>(sink) = x; }
};
template <>
struct FmaOps<__nv_bfloat162> {
    static __device__ __nv_bfloat162 init(int i) {
        return __floats2bfloat162_rn(1.0f + 0.01f * float(i), 0.5f);
    }
    static __device__ __nv_bfloat162 fma(__nv_bfloat162 x, __nv_bfloat162 a, __nv_bfloat162 b) {
        return __hfma2(x, a, b);
    }
    static __device__ __nv_bfloat162 a() { return __floats2bfloat162_rn(0.99f, 0.99f); }
    static __device__ __nv_bfloat162 b() { return __floats2bfloat162_rn(0.01f, 0.01f); }
    static __device__ bool impossible(__nv_bfloat162 x) { return __low2float(x) == -1234.5f; }
    static __device__ void store(void* sink, __nv_bfloat162 x) {
        *static_cast<__nv_bfloat162*>(sink) = x;
    }
};

template <class T>
__global__ void __launch_bounds__(kThreads) fma_probe_kernel(int iters, void* sink) {
    using Op = FmaOps<T>;
    T x[kChains];
#pragma unroll
    for (int c = 0; c < kChains; ++c) x[c] = Op::init(int(threadIdx.x) + c);
    const T a = Op::a(), b = Op::b();
    for (int i = 0; i < iters; ++i) {
#pragma unroll
        for (int u = 0; u < kUnroll; ++u)
#pragma unroll
            for (int c = 0; c < kChains; ++c) x[c] = Op::fma(x[c], a, b);
    }
    T sum = x[0];
#pragma unroll
    for (int c = 1; c < kChains; ++c) sum = Op::fma(sum, a, x[c]);
    if (Op::impossible(sum)) Op::store(sink, sum);
}

template <class T>
double launch(int blocks, int iters, void* sink, cudaStream_t s, double flops_per_fma) {
    fma_probe_kernel<T><<<blocks, kThreads, 0, s>>>(iters, sink);
    cuda_check_launch("fma_probe_kernel");
    return double(blocks) * kThreads * double(iters) * kUnroll * kChains * 2.0 * flops_per_fma;
}

}  // namespace

double launch_fma_probe(FmaProbe kind, int blocks, int iters, void* sink, void* stream) {
    cudaStream_t s = static_cast<cudaStream_t>(stream);
    switch (kind) {
        case FmaProbe::fp32:
            return launch<float>(blocks, iters, sink, s, 1.0);
        case FmaProbe::fp64:
            return launch<double>(blocks, iters, sink, s, 1.0);
        case FmaProbe::fp16x2:
            return launch<__half2>(blocks, iters, sink, s, 2.0);
        case FmaProbe::bf16x2:
            return launch<__nv_bfloat162>(blocks, iters, sink, s, 2.0);
    }
    return 0.0;
}

}  // namespace flopmeter
