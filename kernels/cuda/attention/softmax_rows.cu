// softmax_rows: the unfused attention baseline's middle step. One block of 256 threads per row of
// the fp32 score matrix S (already scaled), three passes over the row (max, sum of exponentials,
// write P = exp(s - max) / sum in the input type, 0 where masked), LSE = max + log(sum).
// Row r is query r % seq_q of its (batch, head); causal masks are bottom-right aligned.
// Memory-bound by design: this is what the fused kernel avoids.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "kernels/cuda/attention/flash_attention.hpp"
#include "kernels/cuda/attention/flash_plan.hpp"
#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/ptx_sm80.cuh"

namespace flopmeter {

namespace {

constexpr int kThreads = 256;

template <class Op>
__device__ float block_reduce(float x, Op op, float* scratch) {
#pragma unroll
    for (int off = 16; off > 0; off /= 2) x = op(x, __shfl_xor_sync(0xffffffffu, x, off));
    const int warp = int(threadIdx.x) / 32, lane = int(threadIdx.x) % 32;
    __syncthreads();  // scratch reuse across calls
    if (lane == 0) scratch[warp] = x;
    __syncthreads();
    x = scratch[0];
    for (int w = 1; w < kThreads / 32; ++w) x = op(x, scratch[w]);
    return x;
}

template <class T>
__global__ void softmax_rows_kernel(const float* s, T* p, float* lse, std::int64_t seq_q,
                                    std::int64_t seq_k, bool causal) {
    __shared__ float scratch[kThreads / 32];
    const std::int64_t r = blockIdx.x;
    const float* row = s + r * seq_k;
    T* prow = p + r * seq_k;
    const std::int64_t kend = cuda_attn::key_end(r % seq_q, seq_q, seq_k, causal);
    float mx = -INFINITY;
    for (std::int64_t j = threadIdx.x; j < kend; j += kThreads) mx = fmaxf(mx, row[j]);
    mx = block_reduce(
        mx, [](float a, float b) { return fmaxf(a, b); }, scratch);
    float sum = 0.f;
    for (std::int64_t j = threadIdx.x; j < kend; j += kThreads) sum += __expf(row[j] - mx);
    sum = block_reduce(
        sum, [](float a, float b) { return a + b; }, scratch);
    const float inv = 1.f / sum;
    for (std::int64_t j = threadIdx.x; j < seq_k; j += kThreads)
        prow[j] = ptx::from_float<T>(j < kend ? __expf(row[j] - mx) * inv : 0.f);
    if (threadIdx.x == 0) lse[r] = mx + __logf(sum);
}

}  // namespace

void launch_softmax_rows(const float* s, void* p, float* lse, std::int64_t rows, std::int64_t seq_q,
                         std::int64_t seq_k, bool causal, GpuStorage dtype, cudaStream_t st) {
    if (dtype == GpuStorage::bf16)
        softmax_rows_kernel<__nv_bfloat16><<<unsigned(rows), kThreads, 0, st>>>(
            s, static_cast<__nv_bfloat16*>(p), lse, seq_q, seq_k, causal);
    else
        softmax_rows_kernel<__half><<<unsigned(rows), kThreads, 0, st>>>(s, static_cast<__half*>(p),
                                                                         lse, seq_q, seq_k, causal);
    cuda_check_launch("softmax_rows");
}

}  // namespace flopmeter
