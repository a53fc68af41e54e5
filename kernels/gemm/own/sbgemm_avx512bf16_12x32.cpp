// sbgemm_avx512bf16_12x32: bf16 inputs, fp32 accumulation and output, AVX-512 BF16.
// Tile 12 x 32 of C in 24 zmm fp32 accumulators. One step covers two k: the B micro-panel
// holds (b[2s][j], b[2s+1][j]) pairs, two zmm of 16 pairs each; A pairs (a[i][2s], a[i][2s+1])
// are broadcast as 32-bit words; vdpbf16ps adds a[2s]*b[2s] + a[2s+1]*b[2s+1] into each lane.
// 24 vdpbf16ps per step = 1536 model FLOPs (2*MR*NR*2).
#include <immintrin.h>

#include <cstring>

#include "kernels/gemm/own/gemm_driver.hpp"
#include "kernels/gemm/own/microkernel.hpp"

namespace flopmeter::own {

void sbgemm_avx512bf16_12x32(std::int64_t steps, const bf16* ap, const bf16* bp, float* c,
                             std::int64_t ldc, float alpha, float beta) {
    constexpr int MR = 12;
    {
        const float* cp = c;
        for (int i = 0; i < MR; ++i, cp += ldc) {
            _mm_prefetch(reinterpret_cast<const char*>(cp), _MM_HINT_T0);
            _mm_prefetch(reinterpret_cast<const char*>(cp + 16), _MM_HINT_T0);
        }
    }
    __m512 acc[MR][2];
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
        acc[i][0] = _mm512_setzero_ps();
        acc[i][1] = _mm512_setzero_ps();
    }
    const auto* a32 = reinterpret_cast<const std::uint32_t*>(ap);
    for (std::int64_t s = 0; s < steps; ++s) {
        const __m512bh b0 = (__m512bh)_mm512_load_si512(bp);
        const __m512bh b1 = (__m512bh)_mm512_load_si512(bp + 32);
        _mm_prefetch(reinterpret_cast<const char*>(bp + 64 * 8), _MM_HINT_T0);
#pragma GCC unroll 12
        for (int i = 0; i < MR; ++i) {
            std::uint32_t pair;
            std::memcpy(&pair, a32 + i, 4);
            const __m512bh a = (__m512bh)_mm512_set1_epi32(int(pair));
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], a, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], a, b1);
        }
        a32 += MR;
        bp += 64;
    }
    const __m512 va = _mm512_set1_ps(alpha);
    const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
        float* row = c + i * ldc;
        __m512 r0 = _mm512_mul_ps(va, acc[i][0]), r1 = _mm512_mul_ps(va, acc[i][1]);
        if (beta != 0.0f) {
            r0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row), r0);
            r1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row + 16), r1);
        }
        _mm512_storeu_ps(row, r0);
        _mm512_storeu_ps(row + 16, r1);
    }
}

void tile_sbgemm_avx512bf16_12x32(const GemmProblem& p, const GemmOperands& o, const ThreadTile& t,
                                  const Blocking& b, void* ap, void* bp, void* s) {
    gemm_own_tile<bf16, bf16, float, 2, sbgemm_avx512bf16_12x32>(p, o, t, b, ap, bp, s);
}

}  // namespace flopmeter::own
