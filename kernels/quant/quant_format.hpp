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

// How a matrix's codes and scales are ordered in memory (the same bytes either way).
//   tile_rows = 1: row-major, codes n x row_bytes, scales n x groups.
//   tile_rows = T > 1: rows in tiles of T (the last tile may be shorter), each tile one
//     contiguous stream in the order a kernel walking T rows at once consumes it:
//     quads = false: chunk by chunk (128 elements), the tile's rows' chunk c codes one after
//       another, then chunk c + 1; scales likewise by unit (a chunk's 4 scales for group 32,
//       else one scale).
//     quads = true (the VNNI panel, as vpdpbusd with a broadcast activation consumes it): by
//       4-byte quads, the T rows' bytes 4p..4p+3 one after another, then quad p + 1 (int8: k
//       = 4p..4p+3 of a row; int4: those bytes' low nibbles are k = 4p'..4p'+3 and their high
//       nibbles the same k + 64 of the 128-element superblock); scales by group, the T rows'
//       scales of group g one after another.
struct QuantPacking {
    int tile_rows = 1;
    bool quads = false;
    bool operator==(const QuantPacking&) const = default;
};
std::string quant_packing_name(const QuantPacking& p);  // "rows", "tiles8", "quads64"

struct QuantTiling {
    std::int64_t n = 0, row_bytes = 0, groups = 0;
    std::int64_t chunk_bytes = 64;  // codes of one 128-element chunk of a row: 64 (int4), 128
    std::int64_t unit = 1;          // scales per unit: 4 for group 32 in chunk tiles, else 1
    int tile_rows = 1;
    bool quads = false;
    std::int64_t rows_in_tile(std::int64_t r) const {
        const std::int64_t t0 = r / tile_rows * tile_rows;
        return n - t0 < tile_rows ? n - t0 : tile_rows;
    }
    // Byte offset of the tile holding row r.
    std::int64_t tile_offset(std::int64_t r) const { return r / tile_rows * tile_rows * row_bytes; }
    // Byte offset of byte b (0 .. row_bytes) of row r.
    std::int64_t code_byte(std::int64_t r, std::int64_t b) const {
        const std::int64_t j = r % tile_rows, rt = rows_in_tile(r);
        if (quads) return tile_offset(r) + (b / 4 * rt + j) * 4 + b % 4;
        return tile_offset(r) + b / chunk_bytes * rt * chunk_bytes + j * chunk_bytes +
               b % chunk_bytes;
    }
    // Chunk tiles: byte offset of chunk 0 of row r; chunk c lies code_chunk_stride(r) * c
    // bytes further.
    std::int64_t code_offset(std::int64_t r) const {
        return tile_offset(r) + r % tile_rows * chunk_bytes;
    }
    std::int64_t code_chunk_stride(std::int64_t r) const { return rows_in_tile(r) * chunk_bytes; }
    // Index of row r's first scale; scale g lies at (g / unit) * scale_unit_stride(r) + g % unit.
    std::int64_t scale_offset(std::int64_t r) const {
        return r / tile_rows * tile_rows * groups + r % tile_rows * unit;
    }
    std::int64_t scale_unit_stride(std::int64_t r) const { return rows_in_tile(r) * unit; }
    std::int64_t scale_index(std::int64_t r, std::int64_t g) const {
        return scale_offset(r) + g / unit * scale_unit_stride(r) + g % unit;
    }
};

// A packed matrix: codes and scales as stored (the bytes a matmul must read).
struct QuantMatrix {
    QuantFormat format;
    std::int64_t n = 0, k = 0;
    QuantPacking packing;  // row-major unless a kernel asked for tiles (quant_repack)
    AlignedBuffer codes;   // n * row_bytes()
    AlignedBuffer scales;  // n * groups() fp16
    std::int64_t row_bytes() const { return format.bits == 8 ? k : k / 2; }
    std::int64_t groups() const { return k / format.group; }
    QuantTiling tiling() const {
        QuantTiling t;
        t.n = n;
        t.row_bytes = row_bytes();
        t.groups = groups();
        t.chunk_bytes = format.bits == 8 ? 128 : 64;
        t.unit = format.group == 32 && !packing.quads ? 4 : 1;
        t.tile_rows = packing.tile_rows;
        t.quads = packing.quads;
        return t;
    }
    // fp16 bits of the scale of group g of row r.
    std::uint16_t scale(std::int64_t r, std::int64_t g) const {
        return scales.as<std::uint16_t>()[tiling().scale_index(r, g)];
    }
};

// The same codes and scales re-laid in another packing, a choice made once at load time like
// any weight reorder. Throws UsageError for tile_rows < 1.
QuantMatrix quant_repack(const QuantMatrix& m, const QuantPacking& p);

// Quantizes an N x K fp32 matrix (row-major). Throws UsageError for shapes check_quant_shape
// rejects.
QuantMatrix quantize_weights(const QuantFormat& f, std::int64_t n, std::int64_t k, const float* w);
// Signed code of element (r, c) and the dequantized value d * q.
int quant_code(const QuantMatrix& m, std::int64_t r, std::int64_t c);
double dequant(const QuantMatrix& m, std::int64_t r, std::int64_t c);
// Row r dequantized into out[0..k): the same values as dequant(m, r, c) for every c, with the
// packing's offsets and each group's scale worked out once (the oracle reads whole rows).
void dequant_row(const QuantMatrix& m, std::int64_t r, double* out);

// Activations for the int8-activation (VNNI) variant: each row of x quantized per weight
// group, symmetric, scale d = max|x| / 127 (fp32), q in [-127, 127] (never -128, so the AVX2
// sign trick cannot overflow), plus per group the compensation c = off * d * sum(q) that undoes
// the weights' unsigned offset: sum_k x_q * (q_w + off) * d = dot + c.
struct QuantActs {
    std::int64_t m = 0, k = 0, group = 32;
    AlignedBuffer q;      // m * k int8
    AlignedBuffer scale;  // m * k/group float
    AlignedBuffer comp;   // m * k/group float (off of the weight format)
    // m * k/group int32: -off * (sum of x_q over the group), the whole group's offset share;
    // the VNNI panel kernel adds it to each group's int32 dot product (exact).
    AlignedBuffer group_bias;
    std::int64_t groups() const { return k / group; }
    void reset(std::int64_t m, std::int64_t k, std::int64_t group);
};
// Reference (scalar) quantization of rows [r0, r1); the SIMD versions produce identical bits.
void quantize_acts_generic(const float* x, std::int64_t ldx, QuantActs& a, int weight_bits,
                           std::int64_t r0, std::int64_t r1);

}  // namespace flopmeter
