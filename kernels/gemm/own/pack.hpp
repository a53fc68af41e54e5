// Packing for the own GEMM: copies a block of A or B into the micro-panel order the
// micro-kernels read (microkernel.hpp), converting the element type on the way and padding
// edges with zeros. KP = 2 packs k in pairs for the bf16 dot-product kernel.
// Packing is O(MK + KN) against O(MNK) compute, but at LLM shapes with N = 768 a slow pack
// costs several percent, so the common cases have fast paths:
//  - A not transposed, fp32: 4 x 4 blocks transposed in SSE registers (baseline x86-64);
//  - B not transposed: each source row read once, nr-wide pieces appended to the panels.
#pragma once

#include <xmmintrin.h>

#include <cstdint>
#include <type_traits>

#include "core/bf16.hpp"

namespace flopmeter::own {

template <class To, class From>
inline To convert_elem(From x) {
    if constexpr (std::is_same_v<To, From>)
        return x;
    else
        return To(float(x));
}

// fp32 A (not transposed) into panels of mr rows, mr a multiple of 4.
inline void pack_a_f32_transpose4(const float* a, std::int64_t lda, std::int64_t i0,
                                  std::int64_t mc, std::int64_t p0, std::int64_t kc, int mr,
                                  float* dst) {
    const std::int64_t k4 = kc / 4 * 4;
    for (std::int64_t ip = 0; ip < mc; ip += mr) {
        const int rows = int(mc - ip < mr ? mc - ip : mr);
        float* panel = dst + ip * kc;
        for (int g = 0; g < mr; g += 4) {
            const float* r[4];
            for (int q = 0; q < 4; ++q)
                r[q] = g + q < rows ? a + (i0 + ip + g + q) * lda + p0 : nullptr;
            if (r[0] && r[1] && r[2] && r[3]) {
                for (std::int64_t p = 0; p < k4; p += 4) {
                    __m128 x0 = _mm_loadu_ps(r[0] + p), x1 = _mm_loadu_ps(r[1] + p);
                    __m128 x2 = _mm_loadu_ps(r[2] + p), x3 = _mm_loadu_ps(r[3] + p);
                    _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
                    _mm_storeu_ps(panel + (p + 0) * mr + g, x0);
                    _mm_storeu_ps(panel + (p + 1) * mr + g, x1);
                    _mm_storeu_ps(panel + (p + 2) * mr + g, x2);
                    _mm_storeu_ps(panel + (p + 3) * mr + g, x3);
                }
                for (std::int64_t p = k4; p < kc; ++p)
                    for (int q = 0; q < 4; ++q) panel[p * mr + g + q] = r[q][p];
            } else {
                for (std::int64_t p = 0; p < kc; ++p)
                    for (int q = 0; q < 4; ++q) panel[p * mr + g + q] = r[q] ? r[q][p] : 0.0f;
            }
        }
    }
}

// Block rows [i0, i0+mc) x k [p0, p0+kc) of A into ceil(mc/mr) panels of mr x kc_pad.
template <class In, class Packed, int KP>
void pack_a(const In* a, std::int64_t lda, bool trans, std::int64_t i0, std::int64_t mc,
            std::int64_t p0, std::int64_t kc, int mr, Packed* dst) {
    if constexpr (KP == 1 && std::is_same_v<In, float> && std::is_same_v<Packed, float>) {
        if (!trans && mr % 4 == 0) {
            pack_a_f32_transpose4(a, lda, i0, mc, p0, kc, mr, dst);
            return;
        }
    }
    const std::int64_t kc_pad = (kc + KP - 1) / KP * KP;
    for (std::int64_t ip = 0; ip < mc; ip += mr) {
        const int rows = int(mc - ip < mr ? mc - ip : mr);
        Packed* panel = dst + ip * kc_pad;
        for (std::int64_t s = 0; s < kc_pad / KP; ++s) {
            Packed* out = panel + s * mr * KP;
            for (int i = 0; i < mr; ++i)
                for (int e = 0; e < KP; ++e) {
                    const std::int64_t p = s * KP + e;
                    Packed v = Packed(0.0f);
                    if (i < rows && p < kc) {
                        const std::int64_t row = i0 + ip + i, col = p0 + p;
                        v = convert_elem<Packed>(trans ? a[col * lda + row] : a[row * lda + col]);
                    }
                    out[i * KP + e] = v;
                }
        }
    }
}

// Block k [p0, p0+kc) x columns [j0, j0+nc) of B into ceil(nc/nr) panels of kc_pad x nr.
template <class In, class Packed, int KP>
void pack_b(const In* b, std::int64_t ldb, bool trans, std::int64_t j0, std::int64_t nc,
            std::int64_t p0, std::int64_t kc, int nr, Packed* dst) {
    const std::int64_t kc_pad = (kc + KP - 1) / KP * KP;
    if constexpr (KP == 1) {
        if (!trans) {
            for (std::int64_t p = 0; p < kc; ++p) {
                const In* src = b + (p0 + p) * ldb + j0;
                for (std::int64_t jp = 0; jp < nc; jp += nr) {
                    Packed* out = dst + jp * kc_pad + p * nr;
                    const int cols = int(nc - jp < nr ? nc - jp : nr);
                    if (cols == nr) {
                        for (int j = 0; j < nr; ++j) out[j] = convert_elem<Packed>(src[jp + j]);
                    } else {
                        for (int j = 0; j < cols; ++j) out[j] = convert_elem<Packed>(src[jp + j]);
                        for (int j = cols; j < nr; ++j) out[j] = Packed(0.0f);
                    }
                }
            }
            return;
        }
    }
    for (std::int64_t jp = 0; jp < nc; jp += nr) {
        const int cols = int(nc - jp < nr ? nc - jp : nr);
        Packed* panel = dst + jp * kc_pad;
        for (std::int64_t s = 0; s < kc_pad / KP; ++s) {
            Packed* out = panel + s * nr * KP;
            for (int e = 0; e < KP; ++e) {
                const std::int64_t p = s * KP + e;
                if (p >= kc) {
                    for (int j = 0; j < nr; ++j) out[j * KP + e] = Packed(0.0f);
                    continue;
                }
                if (!trans) {
                    const In* src = b + (p0 + p) * ldb + j0 + jp;
                    for (int j = 0; j < cols; ++j) out[j * KP + e] = convert_elem<Packed>(src[j]);
                } else {
                    const In* src = b + (j0 + jp) * ldb + p0 + p;
                    for (int j = 0; j < cols; ++j)
                        out[j * KP + e] = convert_elem<Packed>(src[std::int64_t(j) * ldb]);
                }
                for (int j = cols; j < nr; ++j) out[j * KP + e] = Packed(0.0f);
            }
        }
    }
}

}  // namespace flopmeter::own
