// Shared-memory tile layout and warp-level MMA fragment maps for 16-bit operands
// (bf16/fp16), written once for the kernels and the CPU tests (FM_HD).
//
// Tile layout ("Sw128"): a tile of ROWS x COLS 16-bit elements (COLS a multiple of 64) is
// stored as COLS/64 column blocks of ROWS rows x 128 bytes; inside a block, 16-byte chunk c
// of row r is stored at chunk c ^ (r % 8). This is exactly the TMA/wgmma 128-byte swizzle of
// a [ROWS][64] box (block bases 1024-byte aligned), and it makes both kinds of access the
// kernels do conflict-free: 8 lanes reading 8 consecutive rows at one chunk (ldmatrix) and
// 8 lanes writing the 8 chunks of one row (cp.async).
//
// Fragment maps (PTX ISA, mma.m16n8k16 with .bf16/.f16 inputs and .f32 accumulators),
// lane = 0..31, g = lane / 4, t = lane % 4:
//   A 16x16 (row):  reg r, half h -> (m, k) = (g + 8*(r%2), 2t + h + 8*(r/2))
//   B 16x8  (col):  reg r, half h -> (k, n) = (2t + h + 8r, g)
//   C 16x8  (f32):  index i       -> (m, n) = (g + 8*(i/2), 2t + i%2)
// ldmatrix.x4 lane addresses below produce those fragments from each storage order; the CPU
// test composes them with ldmatrix's definition and checks every element.
#pragma once

#include <cstdint>

#include "kernels/cuda/common/hd.hpp"

namespace flopmeter::cuda_tile {

struct RowCol {
    int row = 0, col = 0;
};

// Byte offset of element (r, c) of a Sw128 tile with ROWS rows.
template <int ROWS>
FM_HD constexpr std::uint32_t sw128_offset(int r, int c) {
    return std::uint32_t((c / 64) * (ROWS * 128) + r * 128 + ((((c % 64) / 8) ^ (r % 8)) * 16) +
                         (c % 8) * 2);
}

// The 16-byte chunk q (0 .. ROWS*COLS/8-1) a thread copies: row-major over the tile, so 8
// consecutive q are one 128-byte row piece (coalesced in global memory, conflict-free in
// shared memory).
template <int COLS>
FM_HD constexpr RowCol chunk_coords(int q) {
    return RowCol{q / (COLS / 8), (q % (COLS / 8)) * 8};
}

// ---- mma.m16n8k16 fragment maps -------------------------------------------------------------
FM_HD constexpr RowCol mma_a_elem(int lane, int reg, int half) {  // (m, k)
    return RowCol{lane / 4 + 8 * (reg % 2), 2 * (lane % 4) + half + 8 * (reg / 2)};
}
FM_HD constexpr RowCol mma_b_elem(int lane, int reg, int half) {  // (k, n)
    return RowCol{2 * (lane % 4) + half + 8 * reg, lane / 4};
}
FM_HD constexpr RowCol mma_c_elem(int lane, int idx) {  // (m, n)
    return RowCol{lane / 4 + 8 * (idx / 2), 2 * (lane % 4) + idx % 2};
}

// ---- ldmatrix.x4 lane addresses (row, col of the 8-element row piece this lane points at) ----
// A stored [m][k] (k contiguous), 16x16 block at (0,0): regs 0..3 = a0..a3.
FM_HD constexpr RowCol ldsm_a_mk(int lane) {
    return RowCol{lane % 16, (lane / 16) * 8};
}
// A stored [k][m] (m contiguous), with .trans: regs 0..3 = a0..a3.
FM_HD constexpr RowCol ldsm_a_km_trans(int lane) {
    return RowCol{lane % 8 + (lane / 16) * 8, ((lane / 8) % 2) * 8};
}
// B stored [n][k] (k contiguous), two n8 tiles x k16: regs 0,1 = b0,b1 of n-tile 0; 2,3 of
// n-tile 1.
FM_HD constexpr RowCol ldsm_b_nk(int lane) {
    return RowCol{lane % 8 + (lane / 16) * 8, ((lane / 8) % 2) * 8};
}
// B stored [k][n] (n contiguous), with .trans: regs 0,1 = b0,b1 of n-tile 0; 2,3 of n-tile 1.
FM_HD constexpr RowCol ldsm_b_kn_trans(int lane) {
    return RowCol{lane % 8 + ((lane / 8) % 2) * 8, (lane / 16) * 8};
}

// A C fragment pair turned into an A fragment (P = softmax(S) feeding P*V without a trip
// through shared memory): A k16-step kk takes its regs from C n-tiles 2kk and 2kk+1:
// reg r <- C tile (2kk + r/2), elements (2*(r%2), 2*(r%2)+1).
FM_HD constexpr int c_to_a_tile(int kk, int reg) {
    return 2 * kk + reg / 2;
}
FM_HD constexpr int c_to_a_first_idx(int reg) {
    return 2 * (reg % 2);
}

}  // namespace flopmeter::cuda_tile
