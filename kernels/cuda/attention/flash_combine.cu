// flash_combine: merges the key-range splits of the flash-decoding forward. Each split wrote its
// rows' normalised partial output O_s (fp32) and log-sum-exp lse_s; the row's result is
//   lse = log sum_s exp(lse_s),  O = sum_s exp(lse_s - lse) O_s
// (an empty split has lse_s = -inf and weight 0). One block of head_dim threads per
// (batch, head, query) row; memory-bound and small next to the main kernel.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "kernels/cuda/attention/flash_attention.hpp"
#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/ptx_sm80.cuh"

namespace flopmeter {

namespace {

template <class T>
__global__ void flash_combine_kernel(const float* o_part, const float* lse_part, int splits, T* o,
                                     float* lse, std::int64_t heads, std::int64_t seq_q,
                                     std::int64_t per_split, int d_head) {
    const std::int64_t row = blockIdx.x;  // (b*heads + h)*seq_q + q
    float mx = -INFINITY;
    for (int s = 0; s < splits; ++s) mx = fmaxf(mx, lse_part[s * per_split + row]);
    float sum = 0.f, acc = 0.f;
    const int d = int(threadIdx.x);
    for (int s = 0; s < splits; ++s) {
        const float ls = lse_part[s * per_split + row];
        const float w = ls == -INFINITY ? 0.f : __expf(ls - mx);
        sum += w;
        acc += w * o_part[(s * per_split + row) * d_head + d];
    }
    const std::int64_t qi = row % seq_q, bh = row / seq_q, hd = bh % heads, b = bh / heads;
    o[((b * seq_q + qi) * heads + hd) * d_head + d] =
        ptx::from_float<T>(sum > 0.f ? acc / sum : 0.f);
    if (d == 0) lse[row] = sum > 0.f ? mx + __logf(sum) : -INFINITY;
}

}  // namespace

void launch_flash_combine(const GpuAttentionProblem& p, const float* o_part, const float* lse_part,
                          int splits, void* o, float* lse, cudaStream_t s) {
    const std::int64_t rows = p.batch * p.heads * p.seq_q;
    const unsigned threads = unsigned(p.head_dim);
    if (p.dtype == GpuStorage::bf16)
        flash_combine_kernel<__nv_bfloat16><<<unsigned(rows), threads, 0, s>>>(
            o_part, lse_part, splits, static_cast<__nv_bfloat16*>(o), lse, p.heads, p.seq_q, rows,
            int(p.head_dim));
    else
        flash_combine_kernel<__half>
            <<<unsigned(rows), threads, 0, s>>>(o_part, lse_part, splits, static_cast<__half*>(o),
                                                lse, p.heads, p.seq_q, rows, int(p.head_dim));
    cuda_check_launch("flash_combine");
}

}  // namespace flopmeter
