// Tiling of the own flash-attention kernels, written once for the kernels (FM_HD) and the CPU
// tests: which key blocks each block of queries visits (causal skipping), how the key range is
// split for decode, and the executed FLOPs that follow from it (every computed tile counts in
// full, masked parts and padding included: the HFU-style count; model FLOPs come from
// core/flops.hpp).
//
// Forward (flash_fwd_sm80, flash_fwd_sm90): a block owns Br = 128 "rows" of one (batch, kv
// head): row v is query v / hpg of head kv_head*hpg + v % hpg (hpg = heads / kv_heads), so the
// query heads that share a kv head share its K/V tiles (grouped-query packing; for decode,
// seq_q = 1, the group's heads fill the rows). Compute units (sm80: 8 warps of 16 rows; sm90: 2
// warpgroups of 64 rows) whose rows all lie past the end compute nothing. Keys advance Bc (64 or
// 128) at a time. With `splits` > 1 the key blocks of a row block are
// divided into contiguous ranges (flash decoding) and a combine kernel merges the partial
// results through their log-sum-exp.
// Backward (flash_bwd_sm80): a block owns Bc = 64 keys of one (batch, kv head) and loops over
// the group's query heads and Br = 64-query blocks, skipping blocks fully above the diagonal.
#pragma once

#include <cstdint>

#include "kernels/cuda/common/hd.hpp"

namespace flopmeter::cuda_attn {

// Forward tilings: rows per block, keys per step, and the rows one compute unit owns (a unit
// whose rows all lie past the end computes nothing; any other computes all of its rows).
struct FwdTiling {
    int br, bc, unit_rows;
};
inline constexpr FwdTiling kFwdSm80{128, 64, 16};  // flash_fwd_sm80: 8 warps x 16 rows, 64 keys
inline constexpr FwdTiling kFwdSm90{128, 128,
                                    64};  // flash_fwd_sm90: 2 warpgroups x 64 rows, 128 keys
inline constexpr int kFwdBr = kFwdSm80.br, kFwdBc = kFwdSm80.bc,
                     kFwdWarps = kFwdSm80.br / kFwdSm80.unit_rows;
inline constexpr int kBwdBr = 64, kBwdBc = 64, kBwdWarps = 8;
inline constexpr int kMaxSplits = 64;

FM_HD constexpr std::int64_t cdiv(std::int64_t a, std::int64_t b) {
    return (a + b - 1) / b;
}
FM_HD constexpr std::int64_t imin(std::int64_t a, std::int64_t b) {
    return a < b ? a : b;
}
FM_HD constexpr std::int64_t imax(std::int64_t a, std::int64_t b) {
    return a > b ? a : b;
}

// Keys visible to query q are [0, key_end).
FM_HD constexpr std::int64_t key_end(std::int64_t q, std::int64_t seq_q, std::int64_t seq_k,
                                     bool causal) {
    return causal ? imin(seq_k, q + seq_k - seq_q + 1) : seq_k;
}

struct FwdGeometry {
    std::int64_t hpg = 1;        // query heads per kv head
    std::int64_t rows = 0;       // rows per (batch, kv head) = seq_q * hpg
    std::int64_t m_blocks = 0;   // ceil(rows / br)
    std::int64_t kv_blocks = 0;  // ceil(seq_k / bc)
    int splits = 1;
    int br = kFwdSm80.br, bc = kFwdSm80.bc, unit_rows = kFwdSm80.unit_rows;
};

FM_HD constexpr FwdGeometry fwd_geometry(std::int64_t heads, std::int64_t kv_heads,
                                         std::int64_t seq_q, std::int64_t seq_k, int splits,
                                         FwdTiling t = kFwdSm80) {
    FwdGeometry g;
    g.hpg = heads / kv_heads;
    g.rows = seq_q * g.hpg;
    g.m_blocks = cdiv(g.rows, t.br);
    g.kv_blocks = cdiv(seq_k, t.bc);
    g.splits = splits;
    g.br = t.br;
    g.bc = t.bc;
    g.unit_rows = t.unit_rows;
    return g;
}

// Key blocks row block `mb` needs: up to the last visible key of its last row.
FM_HD constexpr std::int64_t fwd_kv_blocks_needed(const FwdGeometry& g, std::int64_t mb,
                                                  std::int64_t seq_q, std::int64_t seq_k,
                                                  bool causal) {
    const std::int64_t last_row = imin(g.rows, (mb + 1) * g.br) - 1;
    return cdiv(key_end(last_row / g.hpg, seq_q, seq_k, causal), g.bc);
}

struct BlockRange {
    std::int64_t begin = 0, end = 0;  // [begin, end) of key blocks
};

// Split s's contiguous share of the `needed` key blocks (empty for late splits when few).
FM_HD constexpr BlockRange fwd_split_range(std::int64_t needed, int split, int splits) {
    const std::int64_t per = cdiv(needed, splits);
    return BlockRange{imin(needed, split * per), imin(needed, (split + 1) * per)};
}

// Compute units (warps or warpgroups) of row block mb with at least one row.
FM_HD constexpr int fwd_active_units(const FwdGeometry& g, std::int64_t mb) {
    const std::int64_t left = g.rows - mb * g.br;
    return int(imin(g.br / g.unit_rows, cdiv(left, g.unit_rows)));
}

// Splits for the forward: one unless the (batch x kv head x row block) grid leaves SMs idle
// (decode); then enough to give each SM about two blocks, at least two key blocks per split.
inline int choose_fwd_splits(std::int64_t ctas, std::int64_t kv_blocks, int sms) {
    if (ctas >= sms || kv_blocks < 4) return 1;
    std::int64_t s = cdiv(2 * std::int64_t(sms), ctas);
    s = imin(s, kv_blocks / 2);
    s = imin(s, kMaxSplits);
    return int(imax(1, s));
}

// Executed forward FLOPs: each computed (unit, key block) pair does
// 2*unit_rows*bc*(D + Dv) (S = Q K^T and O += P V).
inline double flash_fwd_executed_flops(std::int64_t batch, std::int64_t heads,
                                       std::int64_t kv_heads, std::int64_t seq_q,
                                       std::int64_t seq_k, std::int64_t head_dim, bool causal,
                                       FwdTiling t = kFwdSm80) {
    const FwdGeometry g = fwd_geometry(heads, kv_heads, seq_q, seq_k, 1, t);
    double tiles = 0;  // (unit, key block) pairs per (batch, kv head)
    for (std::int64_t mb = 0; mb < g.m_blocks; ++mb)
        tiles += double(fwd_active_units(g, mb)) *
                 double(fwd_kv_blocks_needed(g, mb, seq_q, seq_k, causal));
    return double(batch) * double(kv_heads) * tiles * 2.0 * double(t.unit_rows) * double(t.bc) *
           double(2 * head_dim);
}

// Backward: first query block that sees any key of key block kb.
FM_HD constexpr std::int64_t bwd_first_q_block(std::int64_t kb, std::int64_t seq_q,
                                               std::int64_t seq_k, bool causal) {
    if (!causal) return 0;
    return imax(0, kb * kBwdBc - (seq_k - seq_q)) / kBwdBr;
}

// Executed backward FLOPs: each (query block, key block) pair computed does
// 2*Br*Bc*(3D + 2Dv): S and dP recomputed/formed, then dV, dK and dQ.
inline double flash_bwd_executed_flops(std::int64_t batch, std::int64_t heads,
                                       std::int64_t /*kv_heads*/, std::int64_t seq_q,
                                       std::int64_t seq_k, std::int64_t head_dim, bool causal) {
    const std::int64_t nq = cdiv(seq_q, kBwdBr), nk = cdiv(seq_k, kBwdBc);
    double pairs = 0;
    for (std::int64_t kb = 0; kb < nk; ++kb)
        pairs += double(nq - bwd_first_q_block(kb, seq_q, seq_k, causal));
    return double(batch) * double(heads) * pairs * 2.0 * kBwdBr * kBwdBc * double(5 * head_dim);
}

}  // namespace flopmeter::cuda_attn
