// Quantized weight-only matmul kernels, y = x * W^T with W packed in a QuantFormat
// (kernels/quant/quant_format.hpp), one table entry per (activation type, ISA):
//   qgemm_fp32act_generic     scalar: per group sum x*q in fp32, times the scale
//   qgemm_fp32act_avx2        ymm: codes widened to fp32, dequantized with one FMA, FMA with x
//   qgemm_fp32act_avx512      zmm: the same, 16 lanes
//   qgemm_int8act_generic     scalar: x quantized to int8 per group, integer dot, scaled
//   qgemm_int8act_avx2        ymm: vpmaddubsw on |x| and sign(x)*q (the sign trick), vpmaddwd
//   qgemm_int8act_avx512vnni  zmm: vpdpbusd on the unsigned stored codes and signed x; the
//                             codes' offset comes back through the per-group compensation
// Every kernel computes columns [n0, n1) of y for all M rows, stepping over K in 128-element
// chunks (the packing superblock), M in tiles of kMT rows and N in tiles of kNT rows, with the
// weight rows of one call (a block of <= 64) kept in L2 while every M tile passes over them.
// FLOPs are 2*M*N*K model FLOPs (core/flops.hpp): dequantization is not a model FLOP.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/quant/quant_format.hpp"

namespace flopmeter {

enum class QuantActivation { fp32, int8 };
std::string quant_activation_name(QuantActivation a);  // "fp32", "int8"

struct QGemmArgs {
    std::int64_t m = 0, n = 0, k = 0, group = 32;
    int bits = 4;
    const std::uint8_t* codes = nullptr;
    std::int64_t row_bytes = 0;
    const std::uint16_t* scales = nullptr;  // n x groups fp16
    std::int64_t groups = 0;
    QuantTiling tiling;                // where rows' codes and scales lie (QuantMatrix::packing)
    const std::int32_t* xg = nullptr;  // m x groups group bias (QuantActs::group_bias)
    const float* x = nullptr;          // fp32 activations, m x k (row stride ldx)
    std::int64_t ldx = 0;
    const std::int8_t* xq = nullptr;  // int8 activations m x k, scale and comp m x groups
    const float* xs = nullptr;
    const float* xc = nullptr;
    float* y = nullptr;  // m x n (row stride ldy)
    std::int64_t ldy = 0;
};

// The AVX-512 VNNI kernel reads weights in VNNI panels of 64 rows (QuantPacking quads): one
// 64-byte load is 16 rows x 4 consecutive k, which vpdpbusd multiplies by 4 activation bytes
// broadcast to every lane; a tile is one contiguous stream (at M = 1 what the hardware
// prefetcher follows best), and its rows' outputs come out as whole vectors (no reduction).
inline constexpr QuantPacking kVnniPacking{64, true};
inline constexpr QuantPacking kRowMajor{};

using QGemmFn = void (*)(const QGemmArgs& a, std::int64_t n0, std::int64_t n1);
using QuantActsFn = void (*)(const float* x, std::int64_t ldx, QuantActs& a, int weight_bits,
                             std::int64_t r0, std::int64_t r1);

struct QGemmKernel {
    const char* name;
    QuantActivation act;
    const char* isa;  // "generic", "avx2", "avx512", "avx512_vnni"
    QGemmFn fn;
    QuantActsFn quantize_acts;  // int8 variant: fp32 x -> QuantActs (identical bits on every ISA)
    QuantPacking packing;       // the weight packing it reads (row-major unless tiled)
};

// Every kernel compiled in, and whether this CPU (and FLOPMETER_ISA) lets it run.
const std::vector<QGemmKernel>& qgemm_kernels();
bool qgemm_kernel_runnable(const QGemmKernel& k);
// The best runnable kernel for an activation type, or the one named by `isa` ("" = best).
// Throws UsageError for an unknown ISA name, UnavailableError when this CPU cannot run it.
const QGemmKernel& qgemm_kernel(QuantActivation act, const std::string& isa = "");

// --- per-ISA entry points (one file each, each compiled with only its ISA's flags) ----------
void qgemm_fp32act_generic(const QGemmArgs& a, std::int64_t n0, std::int64_t n1);
void qgemm_int8act_generic(const QGemmArgs& a, std::int64_t n0, std::int64_t n1);
void qgemm_fp32act_avx2(const QGemmArgs& a, std::int64_t n0, std::int64_t n1);
void qgemm_int8act_avx2(const QGemmArgs& a, std::int64_t n0, std::int64_t n1);
void quantize_acts_avx2(const float* x, std::int64_t ldx, QuantActs& a, int weight_bits,
                        std::int64_t r0, std::int64_t r1);
void qgemm_fp32act_avx512(const QGemmArgs& a, std::int64_t n0, std::int64_t n1);
void qgemm_int8act_avx512vnni(const QGemmArgs& a, std::int64_t n0, std::int64_t n1);
void quantize_acts_avx512(const float* x, std::int64_t ldx, QuantActs& a, int weight_bits,
                          std::int64_t r0, std::int64_t r1);

}  // namespace flopmeter
