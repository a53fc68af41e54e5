// Block-quantized weight formats for weight-only int8/int4 matmuls (issue 16).
//
// A weight matrix W is N x K (one row per output, K contiguous, as llama.cpp and PyTorch's
// Linear store it); y[m][n] = sum_k x[m][k] * w[n][k]. Each row is cut into groups of `group`
// consecutive k; a group has one fp16 scale d and signed codes q, w = d * q:
//   q8_0     int8, group 32   (the Q8_0 idea: 32 codes + one fp16 scale, 8.5 bits/weight)
//   q4_0     int4, group 32   (the Q4_0 idea: 32 codes + one fp16 scale, 4.5 bits/weight)
//   q8_g128  int8, group 128  (group-wise as AWQ/GPTQ checkpoints use, 8.125 bits/weight)
//   q4_g128  int4, group 128  (AWQ/GPTQ's common setting, 4.125 bits/weight)
//   qB_gG    any group G that is 32 or a multiple of 128 (G = K: one scale per row,
//            "per-channel", what oneDNN's and fbgemm's int8 matmuls use).
// Symmetric quantization, no zero point: d = max|w| / qmax (qmax 127 for int8, 7 for int4),
// q = round-to-nearest-even(w / d) clamped to [-128..127] resp. [-8..7].
// Storage (row-major, rows of k codes), codes offset to unsigned so VNNI's unsigned x signed
// dot product takes them directly:
//   int8: byte = q + 128.
//   int4: per 128-element superblock, byte j (0..63) holds element j in its low nibble and
//         element j + 64 in its high nibble, nibble = q + 8. (llama.cpp pairs j with j + 16
//         inside a 32-block; this order lets one 64-byte load feed two 64-element dot products.)
// Scales: fp16, N x (K / group), row-major. K must be a multiple of 128 (the int4 superblock;
// kept for int8 too so every kernel steps over K in the same 128-element chunks).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/aligned_buffer.hpp"

namespace flopmeter {

struct QuantFormat {
    int bits = 4;             // 4 or 8
    std::int64_t group = 32;  // k per scale; 32 or a multiple of 128
};

// "q4_0", "q8_g128", ...; parse throws UsageError naming the valid forms.
std::string quant_format_name(const QuantFormat& f);
QuantFormat parse_quant_format(std::string_view s);

// Throws UsageError when the format cannot hold an N x K matrix: non-positive sizes, K not a
// multiple of 128, a group that is not 32 or a multiple of 128, or a group not dividing K.
void check_quant_shape(const QuantFormat& f, std::int64_t n, std::int64_t k);

inline constexpr int quant_offset(int bits) {
    return bits == 8 ? 128 : 8;
}
inline constexpr int quant_qmax(int bits) {
    return bits == 8 ? 127 : 7;
}

// fp16 <-> fp32 (round to nearest even), for the scales; the generic code cannot assume F16C.
std::uint16_t fp16_from_float(float f);
float fp16_to_float(std::uint16_t h);

// A packed matrix: codes and scales as stored (the bytes a matmul must read).
struct QuantMatrix {
    QuantFormat format;
    std::int64_t n = 0, k = 0;
    AlignedBuffer codes;   // n * row_bytes()
    AlignedBuffer scales;  // n * groups() fp16
    std::int64_t row_bytes() const { return format.bits == 8 ? k : k / 2; }
    std::int64_t groups() const { return k / format.group; }
    const std::uint8_t* row(std::int64_t r) const {
        return codes.as<std::uint8_t>() + r * row_bytes();
    }
    const std::uint16_t* row_scales(std::int64_t r) const {
        return scales.as<std::uint16_t>() + r * groups();
    }
};

// Quantizes an N x K fp32 matrix (row-major). Throws UsageError for shapes check_quant_shape
// rejects.
QuantMatrix quantize_weights(const QuantFormat& f, std::int64_t n, std::int64_t k, const float* w);
// Signed code of element (r, c) and the dequantized value d * q.
int quant_code(const QuantMatrix& m, std::int64_t r, std::int64_t c);
double dequant(const QuantMatrix& m, std::int64_t r, std::int64_t c);

// Activations for the int8-activation (VNNI) variant: each row of x quantized per weight
// group, symmetric, scale d = max|x| / 127 (fp32), q in [-127, 127] (never -128, so the AVX2
// sign trick cannot overflow), plus per group the compensation c = off * d * sum(q) that undoes
// the weights' unsigned offset: sum_k x_q * (q_w + off) * d = dot + c.
struct QuantActs {
    std::int64_t m = 0, k = 0, group = 32;
    AlignedBuffer q;      // m * k int8
    AlignedBuffer scale;  // m * k/group float
    AlignedBuffer comp;   // m * k/group float (off of the weight format)
    // m * k/4 int32: -off * (sum of x_q over k = 4t .. 4t+3), the offset's share of vpdpbusd
    // lane t; the VNNI group-32 kernel starts each dot product from it instead of applying
    // `comp` per group in fp32 (exact: integers throughout).
    AlignedBuffer lane_bias;
    std::int64_t groups() const { return k / group; }
    void reset(std::int64_t m, std::int64_t k, std::int64_t group);
};
// Fills lane_bias of rows [r0, r1) from their codes (every quantizer calls it).
void fill_lane_bias(QuantActs& a, int weight_bits, std::int64_t r0, std::int64_t r1);
// Reference (scalar) quantization of rows [r0, r1); the SIMD versions produce identical bits.
void quantize_acts_generic(const float* x, std::int64_t ldx, QuantActs& a, int weight_bits,
                           std::int64_t r0, std::int64_t r1);

}  // namespace flopmeter
