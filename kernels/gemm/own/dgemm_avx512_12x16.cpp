// dgemm_avx512_12x16: fp64 micro-kernel, AVX-512F.
// Tile 12x16 of C in 12 x 2 vector accumulators; per k step 2 aligned vector loads of the
// B micro-panel, 12 broadcasts of A, 24 FMAs. Measured against 2*MR*NR*kc model FLOPs.
#include "kernels/gemm/own/gemm_driver.hpp"
#include "kernels/gemm/own/microkernel.hpp"
#include "kernels/gemm/own/microkernel_body.hpp"
#include "kernels/gemm/own/vec_avx512.hpp"

namespace flopmeter::own {

void dgemm_avx512_12x16(std::int64_t kc, const double* ap, const double* bp, double* c,
                        std::int64_t ldc, double alpha, double beta) {
    microkernel_body<VecAvx512<double>, 12, 2>(kc, ap, bp, c, ldc, alpha, beta);
}

void tile_dgemm_avx512_12x16(const GemmProblem& p, const GemmOperands& o, const ThreadTile& t,
                             const Blocking& b, void* ap, void* bp, void* s) {
    gemm_own_tile<double, double, double, 1, dgemm_avx512_12x16>(p, o, t, b, ap, bp, s);
}

}  // namespace flopmeter::own
