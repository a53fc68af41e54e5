// Tile quantization of a GEMM backend: the own kernels compute whole mr x nr register tiles
// (edge tiles through a scratch tile), k in steps of k_pack, and split C among threads in
// multiples of the tile, so a shape that is no multiple of the tiles does the work of its
// padded shape and the slowest thread's share sets the time. The rate model's
// "padded_flops" feature is that work (calibrate/rate_model.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "core/dtype.hpp"

namespace flopmeter {

struct GemmTiling {
    int mr = 1, nr = 1, k_pack = 1;  // register tile and k step of the micro-kernel
    int threads = 1;                 // threads the calibration ran the kernel with
    std::string kernel;              // micro-kernel name, for the record
    bool known() const { return mr > 1 || nr > 1 || k_pack > 1; }
};

// The own backend's tiling for `dtype` on this CPU (kernels/gemm/own/kernel_table.cpp); an
// unknown tiling (mr = nr = k_pack = 1) for other backends or dtypes the own backend lacks.
GemmTiling gemm_tiling_of(const std::string& backend, DType dtype, int threads);

// Work the padded shape causes, as FLOPs at the full team's rate: the largest thread tile
// (rows rounded up to mr, columns to nr, k to k_pack) times the number of threads, so a
// problem that leaves threads idle or pads its tiles is charged for it. Equals the model
// FLOPs 2mnk when every dimension divides evenly and every thread has an equal share.
double gemm_padded_flops(const GemmTiling& t, std::int64_t m, std::int64_t n, std::int64_t k);

}  // namespace flopmeter
