// Scalar kernels: the portable fallback and the readable statement of what the SIMD kernels
// compute (the oracle, quant_reference.cpp, works in double on dequantized values instead).
#include "kernels/quant/qgemm_kernels.hpp"

namespace flopmeter {

namespace {

// Signed code of element c of a packed row (layout in quant_format.hpp).
inline int code_at(const std::uint8_t* row, int bits, std::int64_t c) {
    if (bits == 8) return int(row[c]) - 128;
    const std::int64_t j = c % 128;
    const std::uint8_t b = row[(c / 128) * 64 + (j % 64)];
    return int(j >= 64 ? b >> 4 : b & 0xf) - 8;
}

}  // namespace

void qgemm_fp32act_generic(const QGemmArgs& a, std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; ++n) {
        const std::uint8_t* row = a.codes + n * a.row_bytes;
        const std::uint16_t* sc = a.scales + n * a.groups;
        for (std::int64_t m = 0; m < a.m; ++m) {
            const float* x = a.x + m * a.ldx;
            float acc = 0;
            for (std::int64_t g = 0; g < a.groups; ++g) {
                float s = 0;
                for (std::int64_t c = g * a.group; c < (g + 1) * a.group; ++c)
                    s += x[c] * float(code_at(row, a.bits, c));
                acc += fp16_to_float(sc[g]) * s;
            }
            a.y[m * a.ldy + n] = acc;
        }
    }
}

void qgemm_int8act_generic(const QGemmArgs& a, std::int64_t n0, std::int64_t n1) {
    for (std::int64_t n = n0; n < n1; ++n) {
        const std::uint8_t* row = a.codes + n * a.row_bytes;
        const std::uint16_t* sc = a.scales + n * a.groups;
        for (std::int64_t m = 0; m < a.m; ++m) {
            const std::int8_t* xq = a.xq + m * a.k;
            float acc = 0;
            for (std::int64_t g = 0; g < a.groups; ++g) {
                std::int32_t s = 0;
                for (std::int64_t c = g * a.group; c < (g + 1) * a.group; ++c)
                    s += int(xq[c]) * code_at(row, a.bits, c);
                acc += fp16_to_float(sc[g]) * a.xs[m * a.groups + g] * float(s);
            }
            a.y[m * a.ldy + n] = acc;
        }
    }
}

}  // namespace flopmeter
