// sgemm_generic_4x8 and dgemm_generic_4x4: portable micro-kernels for CPUs without AVX2, the
// same body on scalar "vectors" (the compiler may vectorise with SSE2). 4 rows x 8 (4) columns.
#include "kernels/gemm/own/gemm_driver.hpp"
#include "kernels/gemm/own/microkernel.hpp"
#include "kernels/gemm/own/microkernel_body.hpp"

namespace flopmeter::own {

void sgemm_generic_4x8(std::int64_t kc, const float* ap, const float* bp, float* c,
                       std::int64_t ldc, float alpha, float beta) {
    microkernel_body<VecScalar<float>, 4, 8>(kc, ap, bp, c, ldc, alpha, beta);
}

void dgemm_generic_4x4(std::int64_t kc, const double* ap, const double* bp, double* c,
                       std::int64_t ldc, double alpha, double beta) {
    microkernel_body<VecScalar<double>, 4, 4>(kc, ap, bp, c, ldc, alpha, beta);
}

void tile_sgemm_generic_4x8(const GemmProblem& p, const GemmOperands& o, const ThreadTile& t,
                            const Blocking& b, void* ap, void* bp, void* s) {
    gemm_own_tile<float, float, float, 1, sgemm_generic_4x8>(p, o, t, b, ap, bp, s);
}

void tile_bf16w_sgemm_generic_4x8(const GemmProblem& p, const GemmOperands& o, const ThreadTile& t,
                                  const Blocking& b, void* ap, void* bp, void* s) {
    gemm_own_tile<bf16, float, float, 1, sgemm_generic_4x8>(p, o, t, b, ap, bp, s);
}

void tile_dgemm_generic_4x4(const GemmProblem& p, const GemmOperands& o, const ThreadTile& t,
                            const Blocking& b, void* ap, void* bp, void* s) {
    gemm_own_tile<double, double, double, 1, dgemm_generic_4x4>(p, o, t, b, ap, bp, s);
}

}  // namespace flopmeter::own
