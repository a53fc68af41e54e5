// The oracle: dequantize, then a double-precision matmul. For the int8-activation variant the
// activations are quantized by the scalar reference (quantize_acts_generic, which every SIMD
// quantizer matches bit for bit) and dequantized too. Returns, for the rows asked, y and the
// magnitude sum_k |x_k * w_k| that bounds the rounding error of a fp32 kernel.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/quant/qgemm_kernels.hpp"

namespace flopmeter {

struct QuantReference {
    std::vector<std::int64_t> rows;
    std::vector<double> y, mag;  // rows.size() x N
};

QuantReference quant_gemm_reference(const QuantMatrix& w, const float* x, QuantActivation act,
                                    const std::vector<std::int64_t>& rows);

// Largest |y - ref| / (tol * mag + tiny) over the checked rows; < 1 passes. The bound is
// K * 2^-22 relative to mag: fp32 accumulation over K terms (and, for int8 activations,
// fp32 products of two scales) in any order.
double quant_max_error_ratio(const QuantReference& ref, const float* y, std::int64_t n,
                             std::int64_t k);

}  // namespace flopmeter
