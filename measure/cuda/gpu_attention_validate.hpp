// Checks GPU attention outputs against the op's one oracle,
// kernels/attention/attention_reference.hpp (the CPU kernels' oracle too), run in double precision
// on the host over the tensors exactly as the GPU stored them (decoded to float, BSHD layout). The
// forward is the oracle's row; the backward takes each checked dQ row's softmax from it (the
// oracle's backward works per KV-head group, too costly for long sequences, so the gradient
// products of sampled rows are summed here). Pure C++, so the CPU tests exercise it with synthetic
// outputs.
//
// Forward, per checked row (batch, head, query) and head dim d:
//   |O - O_ref| <= 1.01 u_out |O_ref| + 2 u_p sum_j p_j |v_jd| + 1e-6
// (u_out: rounding of O to its storage type; u_p: P is rounded to the input type before P*V), and
//   |LSE - LSE_ref| <= 1e-4 (1 + |LSE_ref|).
// Backward, per checked dQ row and dK/dV row (batch, key, kv head), with the forward's LSE from
// the GPU for dK/dV (the forward is validated on its own) and delta = rowsum(dO * O):
//   |G - G_ref| <= 1.01 u_out |G_ref| + 4 u_p sum |terms| + 1e-6
// where the terms are the products summed into G (P and dS are rounded to the input type).
// Small problems are checked on every row; large ones on edge rows plus random ones. Every
// output must be finite (outputs are poisoned with NaN first).
#pragma once

#include "kernels/cuda/attention/gpu_attention_problem.hpp"
#include "measure/gemm_validate.hpp"

namespace flopmeter {

ValidationReport validate_gpu_attention_fwd(const GpuAttentionProblem& p, const float* q,
                                            const float* k, const float* v, const float* o,
                                            const float* lse);

ValidationReport validate_gpu_attention_bwd(const GpuAttentionProblem& p, const float* q,
                                            const float* k, const float* v, const float* o,
                                            const float* d_o, const float* lse, const float* dq,
                                            const float* dk, const float* dv);

}  // namespace flopmeter
