// AVX-512 VNNI kernel for int8 activations over VNNI panels (kVnniPacking: tiles of 64 weight
// rows, 4-byte quads of the 64 rows one after another). One 64-byte load is 16 weight rows x 4
// consecutive k as unsigned codes (q + offset); vpdpbusd multiplies it by 4 int8 activations
// broadcast to every lane, so each lane accumulates one output: no horizontal reduction, and
// the loaded weights serve MR rows of x (the unsigned operand is the weights, so the codes'
// offset needs no shift of the activations, only the group bias below).
// int4: a 64-byte load holds two quads per row (low nibbles k, high nibbles k + 64 of the
// 128-element superblock), split by a mask and a shift.
// Per group: the int32 dot products plus the activations' group bias -off * sum(x_q) (exact,
// QuantActs::group_bias) are the signed dot product; it is converted once, times the
// activations' scale, and accumulated in fp32 times the 16 rows' weight scales.
// Tile: MR rows of x by the 64 rows of one packing tile (4 zmm); the loop over M reuses the
// tile's weights from L2 (a tile is K * 64 * bits / 8 bytes: 256 KB for int8 at K = 4096).
// GCC 12.2 (before 12.3, PR105593) reports -W(maybe-)uninitialized inside the AVX-512 headers'
// own _mm512_undefined_* passthroughs; silenced for the intrinsic header only (as in
// kernels/attention/attn_vec_avx512.hpp). It must be the first include of immintrin.h here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cstring>

#include "kernels/quant/qgemm_kernels.hpp"

namespace flopmeter {

namespace {

constexpr int kT = kVnniPacking.tile_rows;
constexpr int kNV = kT / 16;  // zmm of outputs per tile
static_assert(kT % 16 == 0 && kVnniPacking.quads, "a VNNI panel is whole zmm of 16 rows");

// acc += u8 x s8 dot products of 4 (vpdpbusd) in place: GCC 12's intrinsic copies the
// accumulator to a fresh register and back on every call, which with 24 accumulators spills
// them to the stack inside the k loop.
inline __m512i dpbusd(__m512i acc, __m512i u8, __m512i s8) {
    asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u8), "v"(s8));
    return acc;
}

inline __m512i bcast4(const std::int8_t* p) {
    std::int32_t v;
    std::memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

// One tile's geometry: MR rows of x from m0, the packing tile of weight rows from n0.
template <int MR>
struct Panel {
    __mmask16 mask[kNV];   // lanes of each zmm that hold rows of the tile (a short last tile)
    std::int64_t qstride;  // bytes between consecutive quads of the tile
    std::int64_t sstride;  // scales between consecutive groups of the tile
    const std::uint8_t* w;
    const std::uint16_t* sc;
    const std::int8_t* x[MR];

    Panel(const QGemmArgs& a, std::int64_t m0, std::int64_t n0) {
        const std::int64_t rt = a.tiling.rows_in_tile(n0);
        for (int v = 0; v < kNV; ++v) {
            const std::int64_t lanes = std::clamp<std::int64_t>(rt - 16 * v, 0, 16);
            mask[v] = __mmask16((1u << lanes) - 1u);
        }
        qstride = rt * 4;
        sstride = rt;
        w = a.codes + a.tiling.tile_offset(n0);
        sc = a.scales + a.tiling.scale_offset(n0);
        for (int i = 0; i < MR; ++i) x[i] = a.xq + (m0 + i) * a.k;
    }
    // Byte quad p, zmm v: 16 rows x 4 bytes (masked past the tile's last row).
    __m512i load(std::int64_t p, int v) const {
        return _mm512_maskz_loadu_epi32(mask[v], w + p * qstride + 64 * v);
    }
    // The 16 rows' weight scales of group g in zmm v.
    __m512 wscale(std::int64_t g, int v) const {
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask[v], sc + g * sstride + 16 * v));
    }
};

// acc + (iacc + group bias) * x scale * weight scales.
inline __m512 fold(__m512 acc, __m512i iacc, __m512i bias, __m512 xs, __m512 sw) {
    return _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(iacc, bias)), xs), sw,
                           acc);
}

template <int MR>
void store(const QGemmArgs& a, const Panel<MR>& t, std::int64_t m0, std::int64_t n0,
           const __m512 (&acc)[MR][kNV]) {
    for (int i = 0; i < MR; ++i)
        for (int v = 0; v < kNV; ++v)
            _mm512_mask_storeu_ps(a.y + (m0 + i) * a.ldy + n0 + 16 * v, t.mask[v], acc[i][v]);
}

// The int32 accumulators live in one function that never passes them by reference (GCC
// mirrors such an array in memory on every vpdpbusd) and whose loops over them are unrolled
// completely; each group's sum is folded into acc (memory: touched once per group).
// Loop body: the quads [p0, p1) of the tile into one int32 set (int8), or, for int4, byte
// quads whose low nibbles go to set A and high nibbles to set B (the same set unless G32).
template <int BITS, bool SPLIT, int MR>
[[gnu::always_inline]] inline void dot_group(const QGemmArgs& a, const Panel<MR>& t,
                                             std::int64_t m0, std::int64_t p0, std::int64_t p1,
                                             std::int64_t ga, std::int64_t gb,
                                             __m512 (&acc)[MR][kNV]) {
    __m512i ia[MR][kNV], ib[MR][kNV];
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 32
        for (int v = 0; v < kNV; ++v) {
            ia[i][v] = _mm512_setzero_si512();
            ib[i][v] = _mm512_setzero_si512();
        }
    const __m512i lo = _mm512_set1_epi8(0x0f);
    for (std::int64_t p = p0; p < p1; ++p) {
        if constexpr (BITS == 8) {
            __m512i wv[kNV];
#pragma GCC unroll 32
            for (int v = 0; v < kNV; ++v) wv[v] = t.load(p, v);
#pragma GCC unroll 32
            for (int i = 0; i < MR; ++i) {
                const __m512i xb = bcast4(t.x[i] + 4 * p);
#pragma GCC unroll 32
                for (int v = 0; v < kNV; ++v) ia[i][v] = dpbusd(ia[i][v], wv[v], xb);
            }
        } else {
            // Byte quad p of chunk c = p / 16: low nibbles k = 128c + 4(p%16), high + 64.
            __m512i w0[kNV], w1[kNV];
#pragma GCC unroll 32
            for (int v = 0; v < kNV; ++v) {
                const __m512i wv = t.load(p, v);
                w0[v] = _mm512_and_si512(wv, lo);
                w1[v] = _mm512_and_si512(_mm512_srli_epi16(wv, 4), lo);
            }
            const std::int64_t k0 = p / 16 * 128 + p % 16 * 4;
#pragma GCC unroll 32
            for (int i = 0; i < MR; ++i) {
                const __m512i x0 = bcast4(t.x[i] + k0), x1 = bcast4(t.x[i] + k0 + 64);
#pragma GCC unroll 32
                for (int v = 0; v < kNV; ++v) {
                    ia[i][v] = dpbusd(ia[i][v], w0[v], x0);
                    if constexpr (SPLIT)
                        ib[i][v] = dpbusd(ib[i][v], w1[v], x1);
                    else
                        ia[i][v] = dpbusd(ia[i][v], w1[v], x1);
                }
            }
        }
    }
    __m512 swa[kNV], swb[kNV];
#pragma GCC unroll 32
    for (int v = 0; v < kNV; ++v) {
        swa[v] = t.wscale(ga, v);
        if constexpr (SPLIT) swb[v] = t.wscale(gb, v);
    }
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
        const std::int64_t r = (m0 + i) * a.groups;
        const __m512i ba = _mm512_set1_epi32(a.xg[r + ga]);
        const __m512 xa = _mm512_set1_ps(a.xs[r + ga]);
#pragma GCC unroll 32
        for (int v = 0; v < kNV; ++v) acc[i][v] = fold(acc[i][v], ia[i][v], ba, xa, swa[v]);
        if constexpr (SPLIT) {
            const __m512i bb = _mm512_set1_epi32(a.xg[r + gb]);
            const __m512 xb = _mm512_set1_ps(a.xs[r + gb]);
#pragma GCC unroll 32
            for (int v = 0; v < kNV; ++v) acc[i][v] = fold(acc[i][v], ib[i][v], bb, xb, swb[v]);
        }
    }
}

template <int BITS, bool G32, int MR>
void tile(const QGemmArgs& a, std::int64_t m0, std::int64_t n0) {
    const Panel<MR> t(a, m0, n0);
    __m512 acc[MR][kNV];
    for (int i = 0; i < MR; ++i)
        for (int v = 0; v < kNV; ++v) acc[i][v] = _mm512_setzero_ps();
    if constexpr (BITS == 8) {
        const std::int64_t qpg = a.group / 4;  // quads per group
        for (std::int64_t g = 0; g < a.groups; ++g)
            dot_group<8, false, MR>(a, t, m0, g * qpg, (g + 1) * qpg, g, g, acc);
    } else if constexpr (!G32) {
        const std::int64_t bpg = a.group / 8;  // byte quads per group (16 per 128 elements)
        for (std::int64_t g = 0; g < a.groups; ++g)
            dot_group<4, false, MR>(a, t, m0, g * bpg, (g + 1) * bpg, g, g, acc);
    } else {
        // Byte quads 0-7 of a chunk: groups 0 (low nibbles) and 2 (high); 8-15: 1 and 3.
        for (std::int64_t c = 0; c < a.k / 128; ++c)
            for (int h = 0; h < 2; ++h)
                dot_group<4, true, MR>(a, t, m0, c * 16 + 8 * h, c * 16 + 8 * h + 8, 4 * c + h,
                                       4 * c + 2 + h, acc);
    }
    store(a, t, m0, n0, acc);
}

using TileFn = void (*)(const QGemmArgs&, std::int64_t, std::int64_t);

// Rows of x per tile: 4 zmm of weights feed MR x 4 vpdpbusd per quad; the int32 sets (MR x 4,
// two for int4 group 32) stay within the 32 zmm registers with the weights and broadcasts.
template <int BITS, bool G32, int MRMAX>
void run_rows(const QGemmArgs& a, std::int64_t n0) {
    static constexpr TileFn fn[6] = {&tile<BITS, G32, 1>,
                                     &tile<BITS, G32, std::min(2, MRMAX)>,
                                     &tile<BITS, G32, std::min(3, MRMAX)>,
                                     &tile<BITS, G32, std::min(4, MRMAX)>,
                                     &tile<BITS, G32, std::min(5, MRMAX)>,
                                     &tile<BITS, G32, std::min(6, MRMAX)>};
    for (std::int64_t m0 = 0; m0 < a.m; m0 += MRMAX) {
        const std::int64_t mr = std::min<std::int64_t>(MRMAX, a.m - m0);
        fn[mr - 1](a, m0, n0);
    }
}

}  // namespace

void qgemm_int8act_avx512vnni(const QGemmArgs& a, std::int64_t n0, std::int64_t n1) {
    // n0 starts a packing tile (qgemm_run hands out blocks of 64 rows).
    for (std::int64_t n = n0; n < n1; n += kT) {
        if (a.bits == 8)
            run_rows<8, false, 6>(a, n);
        else if (a.group == 32)
            run_rows<4, true, 2>(a, n);
        else
            run_rows<4, false, 4>(a, n);
    }
}

}  // namespace flopmeter
