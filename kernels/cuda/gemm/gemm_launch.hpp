// Launch arithmetic of the own GPU GEMM kernels, written once for the kernels (FM_HD) and for
// the CPU tests: tile counts, the grouped block order that keeps operand tiles in L2, and the
// shape/alignment rules each kernel needs. No CUDA headers: the tests compile it everywhere.
#pragma once

#include <cstdint>

#include "kernels/cuda/common/hd.hpp"

namespace flopmeter::cuda_gemm {

struct TileShape {
    int bm, bn, bk;
};

// sgemm_simt_128x128x8: 256 threads, 8x8 outputs each (2x2 sub-blocks of 4x4).
inline constexpr TileShape kSimtTile{128, 128, 8};
inline constexpr int kSimtThreads = 256;
// hgemm_sm80_mma_128x128x64: 4 warps of 64x64, mma.sync m16n8k16, 3 cp.async stages.
inline constexpr TileShape kMmaTile{128, 128, 64};
inline constexpr int kMmaThreads = 128;
inline constexpr int kMmaStages = 3;
// hgemm_sm90_wgmma_128x256x64: 1 producer + 2 consumer warpgroups, TMA, 4 stages.
inline constexpr TileShape kWgmmaTile{128, 256, 64};
inline constexpr int kWgmmaThreads = 384;
inline constexpr int kWgmmaStages = 4;

FM_HD constexpr std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
    return (a + b - 1) / b;
}

// Bytes of dynamic shared memory.
constexpr int mma_smem_bytes() {
    return kMmaStages * (kMmaTile.bm + kMmaTile.bn) * kMmaTile.bk * 2;
}
// + 1 KiB so the kernel can align its tiles to 1024 bytes (128-byte swizzle), + the barriers.
constexpr int wgmma_smem_bytes() {
    return kWgmmaStages * (kWgmmaTile.bm + kWgmmaTile.bn) * kWgmmaTile.bk * 2 + 1024 +
           2 * kWgmmaStages * 8;
}

struct TileCoord {
    std::int64_t tm = 0, tn = 0;
};

// Grouped ordering: consecutive blocks walk down `group` tile rows of one tile column before
// moving right, so the blocks resident at one time share A and B tiles in L2. A bijection from
// block ids 0 .. tiles_m*tiles_n-1 onto the tiles (tested).
FM_HD constexpr TileCoord grouped_tile(std::int64_t bid, std::int64_t tiles_m, std::int64_t tiles_n,
                                       std::int64_t group) {
    const std::int64_t per_group = group * tiles_n;
    const std::int64_t g = bid / per_group;
    const std::int64_t first_m = g * group;
    const std::int64_t rows = (tiles_m - first_m) < group ? (tiles_m - first_m) : group;
    const std::int64_t in_group = bid % per_group;
    return TileCoord{first_m + in_group % rows, in_group / rows};
}
inline constexpr int kGroupM = 8;

// Which storage dimension is contiguous for each operand, per layout (row-major):
// nn: A [M][K], B [K][N];  nt: A [M][K], B [N][K];  tn: A [K][M], B [K][N].
struct OperandMajors {
    bool a_k_contiguous, b_k_contiguous;
};
FM_HD constexpr OperandMajors layout_majors(int layout /* 0 nn, 1 nt, 2 tn */) {
    return OperandMajors{layout != 2, layout == 1};
}

// The tensor-core kernels load 16-byte chunks (8 elements of 16 bits) of each operand's rows
// and the TMA needs 16-byte row strides, so the contiguous dimension of A and of B must be a
// multiple of 8. Edge tiles in M, N and K are otherwise handled (zero fill, masked stores).
FM_HD constexpr bool tensor_core_shape_ok(std::int64_t m, std::int64_t n, std::int64_t k,
                                          int layout) {
    const OperandMajors mj = layout_majors(layout);
    const std::int64_t a_contig = mj.a_k_contiguous ? k : m;
    const std::int64_t b_contig = mj.b_k_contiguous ? k : n;
    return a_contig % 8 == 0 && b_contig % 8 == 0;
}

// The SIMT kernel uses float4 loads/stores when every contiguous dimension (and N, for C) is a
// multiple of 4; otherwise it takes its scalar path (any shape).
FM_HD constexpr bool simt_vector_ok(std::int64_t m, std::int64_t n, std::int64_t k, int layout) {
    const OperandMajors mj = layout_majors(layout);
    const std::int64_t a_contig = mj.a_k_contiguous ? k : m;
    const std::int64_t b_contig = mj.b_k_contiguous ? k : n;
    return a_contig % 4 == 0 && b_contig % 4 == 0 && n % 4 == 0;
}

}  // namespace flopmeter::cuda_gemm
