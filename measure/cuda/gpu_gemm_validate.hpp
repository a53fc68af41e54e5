// Checks a GPU GEMM's output against a double-precision dot product on the host, computed from
// the inputs exactly as the GPU stored them (decoded to float). Pure C++: unit-tested on the CPU
// with synthetic outputs (right, perturbed, unwritten).
//
// Tolerance per checked entry, with S1 = sum_k |a_k b_k|, S2 = sqrt(sum_k (a_k b_k)^2):
//   |alpha| * (16 * u_acc * sqrt(K + 2) * (acc_l2 ? S2 : S1) + u_in * (|dot| + 4 * S2))
//   + 4 * u_acc * |beta * c0| + 1.01 * u_out * |ref|
// u_acc: accumulator roundoff (fp32 FMA 2^-24; tensor cores, which truncate, 2^-23; fp8's
// narrower accumulation 2^-14, with the L2 norm since its errors are not worst-case aligned);
// u_in: input rounding done by the unit (tf32 keeps 10 mantissa bits: 2^-10, a bias of about
// u_in*|dot| plus a random part of a few u_in*S2); u_out: rounding of C to its storage type.
// Small outputs are checked entirely; large ones on their first/last rows and columns plus 4096
// random entries. Every output entry must be finite (outputs are poisoned with NaN first).
#pragma once

#include "kernels/cuda/gemm/gpu_gemm_problem.hpp"
#include "measure/gemm_validate.hpp"

namespace flopmeter {

struct GpuGemmTolerance {
    double u_in = 0, u_acc = 0, u_out = 0;
    bool acc_l2 = false;
};
GpuGemmTolerance gpu_gemm_tolerance(GemmMode m);

// a, b: inputs in the problem's layout with tight leading dimensions; c_before: C before the
// call (read when beta != 0); c_after: the output; all decoded to float.
ValidationReport validate_gpu_gemm(const GpuGemmProblem& p, const float* a, const float* b,
                                   const float* c_before, const float* c_after);

}  // namespace flopmeter
