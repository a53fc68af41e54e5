// sgemm_avx512_12x32: fp32 micro-kernel, AVX-512F.
// Tile 12x32 of C in 12 x 2 vector accumulators; per k step 2 aligned vector loads of the
// B micro-panel, 12 broadcasts of A, 24 FMAs. Measured against 2*MR*NR*kc model FLOPs.
#include "kernels/gemm/own/gemm_driver.hpp"
#include "kernels/gemm/own/microkernel.hpp"
#include "kernels/gemm/own/microkernel_body.hpp"
#include "kernels/gemm/own/vec_avx512.hpp"

namespace flopmeter::own {

void sgemm_avx512_12x32(std::int64_t kc, const float* ap, const float* bp, float* c,
                        std::int64_t ldc, float alpha, float beta) {
    microkernel_body<VecAvx512<float>, 12, 2>(kc, ap, bp, c, ldc, alpha, beta);
}

void tile_sgemm_avx512_12x32(const GemmProblem& p, const GemmOperands& o, const ThreadTile& t,
                             const Blocking& b, void* ap, void* bp, void* s) {
    gemm_own_tile<float, float, float, 1, sgemm_avx512_12x32>(p, o, t, b, ap, bp, s);
}

void tile_bf16w_sgemm_avx512_12x32(const GemmProblem& p, const GemmOperands& o, const ThreadTile& t,
                                   const Blocking& b, void* ap, void* bp, void* s) {
    gemm_own_tile<bf16, float, float, 1, sgemm_avx512_12x32>(p, o, t, b, ap, bp, s);
}

}  // namespace flopmeter::own
