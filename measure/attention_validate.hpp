// Checks an attention backend's outputs against the double-accumulation oracle
// (kernels/attention/attention_reference.hpp), before any timing.
//
// Tolerance, per output element, with u = 2^-24 (fp32 accumulation: fp32 and bf16 inputs are
// exact in fp32), f = 16, u_p the unit roundoff of any intermediate a backend rounds below fp32
// (bf16 P, dO and dS of the unfused kernel on bf16 GEMMs: 2^-8; else 0), and per query row i
//   A_i   = scale ||q_i||_1 max|K|                       bounds every score's magnitude
//   eP_i  = f u (sqrt(D + 2) (1 + A_i) + 8) + 2 u_p      relative error of an entry of P
//   eS(n) = f u sqrt(n + 2)                              a sum of n terms, relative to sum |terms|
// forward:  |O_ic - ref|   <= (eP_i + eS(Sk)) sum_j P_ij |V_jc|
//           |LSE_i - ref|  <= eP_i + eS(Sk) + f u |ref|   (u_p left out: LSE is fp32 everywhere)
// backward, with dS_ij = P_ij (dP_ij - D_i) scale and its error budget
//           E_ij = scale P_ij (eP_i |dP_ij - D_i| + (eS(Dv) + 2 u_p)(|dO_i|.|V_j| + |dO_i|.|O_i|))
//           + eS(n) |dS_ij| |dQ_id - ref|  <= sum_j E_ij |K_jd|          |dK_jd - ref| <= sum_i
//           E_ij |Q_id| |dV_jc - ref|  <= sum_i (eP_i + eS(n) + 2 u_p) P_ij |dO_ic|
// i.e. errors are measured against the magnitudes that produce them: score rounding moves P
// relatively by about u sqrt(D) A_i, sums of n terms add about u sqrt(n), the exp polynomial a
// few u. A single dropped key or a misplaced tile exceeds it. The backward oracle takes the same
// inputs as the kernel (Q, K, V, O, dO and the LSE its forward produced, which the forward check
// validated), so it recomputes P = exp(scale q.k - LSE) exactly as the kernels' definition says.
// Small problems are checked entirely; large ones on sampled heads and rows (first and last
// rows, tile edges spread through the sequence, random ones) and, backward, sampled key rows.
#pragma once

#include "kernels/attention/attention_problem.hpp"
#include "measure/gemm_validate.hpp"

namespace flopmeter {

// f u, the fp32 part of the tolerance.
double attention_tolerance_factor();

// Forward outputs (ops.o, ops.lse).
ValidationReport validate_attention_fwd(const AttentionProblem& p, const AttentionOperands& ops,
                                        double roundoff_p);
// Backward outputs (ops.dq, ops.dk, ops.dv) given ops.q, k, v, o, lse and d_o.
ValidationReport validate_attention_bwd(const AttentionProblem& p, const AttentionOperands& ops,
                                        double roundoff_p);

}  // namespace flopmeter
