// Register-blocked GEMM micro-kernels of the own backend, one per (dtype, ISA, tile), each in
// its own file compiled with only its ISA's flags, together with the blocked loops and packing
// instantiated around it (gemm_driver.hpp), so packing is vectorised for the same ISA.
//
// Micro-kernel contract (BLIS-style, row-major C with vectors along N):
//   c[0:MR, 0:NR] = alpha * sum_k ap[k][0:MR] (outer) bp[k][0:NR] + beta * c   (beta==0: C not
//   read)
// ap: packed A micro-panel, MR values per k step (row i of the tile at ap[k*MR + i]).
// bp: packed B micro-panel, NR values per k step (column j at bp[k*NR + j]).
// For the bf16 dot-product kernel (k_pack == 2) one step covers two k: ap holds pairs
// (a[i][2s], a[i][2s+1]) and bp pairs (b[2s][j], b[2s+1][j]); `steps` counts pairs.
// Full tiles only: the driver routes edge tiles through a scratch tile.
#pragma once

#include <cstdint>

#include "core/bf16.hpp"
#include "core/isa.hpp"
#include "kernels/gemm/gemm_problem.hpp"

namespace flopmeter::own {

// Blocking sizes: data, one row per kernel (BLIS's MR/NR/KC/MC/NC).
//   kc: k extent of a packed panel (A micro-panel MR x kc stays in L1)
//   nc: columns of the packed B block (kc x nc stays in L2)
//   mc: rows of the packed A block (mc x kc stays in L3)
struct Blocking {
    int mr, nr, kc, mc, nc;
};

// One thread's share of C: rows [m0, m1) x columns [n0, n1).
struct ThreadTile {
    std::int64_t m0 = 0, m1 = 0, n0 = 0, n1 = 0;
};

// Runs the blocked loops for one thread's tile with its private buffers (sizes from
// pack_sizes in gemm_driver.hpp, in elements of the packed type / accumulator type).
using TileFn = void (*)(const GemmProblem&, const GemmOperands&, const ThreadTile&, const Blocking&,
                        void* a_pack, void* b_pack, void* scratch);

struct OwnKernel {
    const char* name;  // dtype_isa_tile, e.g. "sgemm_avx512_12x32"
    Isa isa;
    int k_pack;        // 1, or 2 for k pairs (bf16 dot product)
    int packed_bytes;  // bytes per packed element
    int acc_bytes;     // bytes per accumulator (C) element
    Blocking blocking;
    TileFn tile;
};

// --- the micro-kernels, each defined in its own file ---------------------------------------
void sgemm_avx512_12x32(std::int64_t, const float*, const float*, float*, std::int64_t, float,
                        float);
void sgemm_avx2_6x16(std::int64_t, const float*, const float*, float*, std::int64_t, float, float);
void sgemm_generic_4x8(std::int64_t, const float*, const float*, float*, std::int64_t, float,
                       float);
void dgemm_avx512_12x16(std::int64_t, const double*, const double*, double*, std::int64_t, double,
                        double);
void dgemm_avx2_6x8(std::int64_t, const double*, const double*, double*, std::int64_t, double,
                    double);
void dgemm_generic_4x4(std::int64_t, const double*, const double*, double*, std::int64_t, double,
                       double);
void sbgemm_avx512bf16_12x32(std::int64_t, const bf16*, const bf16*, float*, std::int64_t, float,
                             float);

// --- the blocked loops around each (same file as its micro-kernel) --------------------------
// tile_<kernel>: inputs of the kernel's own type; tile_bf16w_<kernel>: bf16 inputs widened to
// fp32 while packing (bf16 on CPUs without a bf16 dot-product instruction).
void tile_sgemm_avx512_12x32(const GemmProblem&, const GemmOperands&, const ThreadTile&,
                             const Blocking&, void*, void*, void*);
void tile_bf16w_sgemm_avx512_12x32(const GemmProblem&, const GemmOperands&, const ThreadTile&,
                                   const Blocking&, void*, void*, void*);
void tile_sgemm_avx2_6x16(const GemmProblem&, const GemmOperands&, const ThreadTile&,
                          const Blocking&, void*, void*, void*);
void tile_bf16w_sgemm_avx2_6x16(const GemmProblem&, const GemmOperands&, const ThreadTile&,
                                const Blocking&, void*, void*, void*);
void tile_sgemm_generic_4x8(const GemmProblem&, const GemmOperands&, const ThreadTile&,
                            const Blocking&, void*, void*, void*);
void tile_bf16w_sgemm_generic_4x8(const GemmProblem&, const GemmOperands&, const ThreadTile&,
                                  const Blocking&, void*, void*, void*);
void tile_dgemm_avx512_12x16(const GemmProblem&, const GemmOperands&, const ThreadTile&,
                             const Blocking&, void*, void*, void*);
void tile_dgemm_avx2_6x8(const GemmProblem&, const GemmOperands&, const ThreadTile&,
                         const Blocking&, void*, void*, void*);
void tile_dgemm_generic_4x4(const GemmProblem&, const GemmOperands&, const ThreadTile&,
                            const Blocking&, void*, void*, void*);
void tile_sbgemm_avx512bf16_12x32(const GemmProblem&, const GemmOperands&, const ThreadTile&,
                                  const Blocking&, void*, void*, void*);

}  // namespace flopmeter::own
