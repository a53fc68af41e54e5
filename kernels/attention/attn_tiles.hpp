// Tile sizes of the own attention kernels: data, one row per (ISA, pass), used by the kernel
// files that instantiate the bodies and by the table the plan reads (so they cannot disagree).
//   mr x nr: register tile (AVX-512: 12 x 32 in 24 zmm accumulators, as the own SGEMM;
//            AVX2: 6 x 16 in 12 ymm; generic: 4 x 8 scalars).
//   bq x bk: query x key cache tile. Forward: the K^T tile (D x bk) and V tile (bk x Dv) stream
//            from L2 while a 12-row Q panel stays in L1. Backward keeps dK and dV of bk keys in
//            L2 across query tiles; bk is a multiple of both mr and nr (key rows are the dK/dV
//            register tiles' rows) and sets the parallel grain (B x G x Sk/bk units of work).
//   Measured on Zen 4, one core, fp32, H = 2, S = 2048, D = 128 (thread CPU time, shared
//   machine): forward 96 x 128 at 84% of the FMA peak, 48/96 x 64..256 within 3% of it;
//   backward 48 x 192 at 75%, 48 x 96 at 70%; AVX2 forward 70%, backward 67%.
#pragma once

#include "kernels/attention/attn_kernels.hpp"

namespace flopmeter::attn {

inline constexpr TileSizes kAvx512Fwd{12, 32, 96, 128};
inline constexpr TileSizes kAvx512Bwd{12, 32, 48, 192};
inline constexpr TileSizes kAvx2Fwd{6, 16, 48, 128};
inline constexpr TileSizes kAvx2Bwd{6, 16, 48, 96};
inline constexpr TileSizes kGenericFwd{4, 8, 16, 32};
inline constexpr TileSizes kGenericBwd{4, 8, 16, 32};

}  // namespace flopmeter::attn
