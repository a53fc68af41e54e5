// Running a quantized matmul: y (M x N, fp32) = x (M x K, fp32) * W^T, W packed (QuantFormat),
// on the pinned thread pool: weight rows in blocks of 64 (M = 1: a contiguous range per thread;
// M > 1: claimed by the threads from a counter);
// for the int8-activation variant x is first quantized per group (rows split across threads).
#pragma once

#include <cstdint>

#include "kernels/quant/qgemm_kernels.hpp"

namespace flopmeter {

// `acts` is the int8 variant's workspace (resized as needed; unused for fp32 activations).
void qgemm_run(const QGemmKernel& kern, const QuantMatrix& w, const float* x, std::int64_t m,
               float* y, QuantActs& acts, int threads);

}  // namespace flopmeter
