// Tile and wave quantization of a GEMM on a GPU: the output C (m x n, `batch` times) is cut
// into tiles, one thread block per tile, and the tiles run in waves of one per SM; a partial
// edge tile and a partial last wave cost as much as full ones. The useful fraction of the SM
// time is
//     eff = batch*m*n*k / (waves * SMs * tile_m * tile_n * k_slice)
// with waves = ceil(tiles * splits / SMs). When there are fewer tiles than SMs the K loop is
// split (CUTLASS/cuBLAS split-K) into the number of slices, up to kMaxSplitK and each at least
// kMinSplitK deep, that keeps the SMs busiest (the reduction of the partial sums is not
// costed). Tile shapes are those of the Hopper/Ampere tensor-core GEMMs of CUTLASS's
// default configurations (128x256, 256x128, 128x128; cuBLAS's sm80/sm90 kernel names carry the
// same shapes, e.g. ampere_bf16_s16816gemm_bf16_256x128); the library is assumed to pick the
// one with the best efficiency, each at the same per-tile rate.
#pragma once

#include <cstdint>

namespace flopmeter {

struct GemmWaves {
    int tile_m = 0, tile_n = 0;  // the chosen tile
    std::int64_t tiles = 0;      // tiles x K splits
    std::int64_t splits = 1;     // K slices per tile
    std::int64_t waves = 0;
    double efficiency = 1.0;  // useful / occupied SM time, 0 < eff <= 1
};

// Minimum K depth of one split-K slice: four 64-deep k-blocks (an assumption; a slice needs a
// few k-blocks to fill the multistage pipeline it runs).
constexpr std::int64_t kMinSplitK = 256;
// Most K slices considered (an assumption, bounding the partial sums a split writes).
constexpr std::int64_t kMaxSplitK = 32;

// `sms` <= 0 (SM count unknown): efficiency 1.
GemmWaves gemm_wave_quantization(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                                 int sms);

// Fraction of the full-depth rate a tile of depth `k_slice` reaches when each tile also pays a
// fixed cost worth `k0` of K-loop depth (prologue filling the operand pipeline, epilogue
// writing the accumulators): k / (k + k0). k0 <= 0: 1.
double gemm_tile_depth_efficiency(std::int64_t k_slice, double k0);

}  // namespace flopmeter
