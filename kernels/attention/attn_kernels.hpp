// The own attention kernels' interface: argument structs shared by every ISA, the entry
// points each ISA file defines (one file per concept and ISA, compiled with that ISA's flags
// only), and the table the plan picks from at run time (FLOPMETER_ISA caps the level).
//
// Entry points work on one unit of parallel work each; the plan (attention_own.cpp) schedules
// them on the pinned thread pool:
//   fwd_pack   (b, g, key tile)     K^T and V of one key tile into the packed layout
//   fwd_tile   (b, h, query tile)   online-softmax forward of one query tile
//   decode     (b, key chunk)       split-K decode: partial (m, l, O) of every query row
//   bwd_rows   (b, h, query tile)   D_i = dO_i.O_i, LSE in base 2, dQ rows zeroed
//   bwd_tile   (b, g, key tile)     dK, dV of one key tile; dQ accumulated under a lock
//   softmax / softmax_bwd (rows)    the unfused kernel's separate passes over S x S
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "core/bf16.hpp"
#include "core/flops.hpp"
#include "core/isa.hpp"
#include "kernels/attention/attention_problem.hpp"

namespace flopmeter::attn {

// Register tile (mr x nr) and cache tiles of queries (bq) and keys (bk): data, one row per
// kernel set (attn_kernel_table.cpp). bq is a multiple of mr; bk of nr (forward) and of both
// mr and nr (backward, where key rows are the dK/dV tiles' rows).
struct TileSizes {
    int mr, nr, bq, bk;
};

constexpr std::int64_t round_up(std::int64_t x, std::int64_t to) {
    return (x + to - 1) / to * to;
}

struct FwdArgs {
    flops::AttentionShape s;
    bool bf16_in = false;
    float scale_log2 = 0;  // scale * log2(e): the kernels keep scores in base 2
    const void* q = nullptr;
    const void* k = nullptr;
    const void* v = nullptr;
    float* o = nullptr;
    float* lse = nullptr;
    float* kpack = nullptr;            // [B][G][ktiles] tiles of D x bk (K^T, zero-padded keys)
    float* vpack = nullptr;            // [B][G][ktiles] tiles of bk x dvp (V, zero-padded)
    std::int64_t ktiles = 0, dvp = 0;  // key tiles per head; Dv rounded up to nr
};

// Floats of one thread's forward scratch: packed Q tile, score tile, O tile, m and l.
constexpr std::int64_t fwd_scratch_floats(const TileSizes& t, std::int64_t d, std::int64_t dvp) {
    return round_up(std::int64_t(t.bq) * d, 16) + std::int64_t(t.bq) * t.bk +
           std::int64_t(t.bq) * dvp + 2 * round_up(t.bq, 16);
}

struct DecodeArgs {
    flops::AttentionShape s;
    bool bf16_in = false;            // Q (and K, V when kv == same) in bf16
    KvCache kv = KvCache::same;      // K, V storage when apart from Q's
    const float* k_scale = nullptr;  // int8 cache: [B, Sk, G] scales of K and of V
    const float* v_scale = nullptr;
    float scale_log2 = 0;
    const void* q = nullptr;
    const void* k = nullptr;
    const void* v = nullptr;
    std::int64_t chunks = 1, chunk_len = 0;  // key chunks per batch entry and keys per chunk
    std::int64_t dp = 0, dvp = 0;            // D and Dv rounded up to the lane count
    // Partial state per (b, chunk, h, query row): O (dvp floats), m, l, padded to dvp + 16.
    // Scratch per thread: decode_scratch_floats (scaled queries, partial dots, probabilities).
    float* partial = nullptr;
};
constexpr std::int64_t decode_partial_stride(std::int64_t dvp) {
    return dvp + 16;
}
constexpr std::int64_t decode_scratch_floats(const flops::AttentionShape& s, std::int64_t dp) {
    return s.heads * s.seq_q * dp + 64;
}

struct BwdArgs {
    flops::AttentionShape s;
    bool bf16_in = false;
    float scale = 0, scale_log2 = 0;
    const void* q = nullptr;
    const void* k = nullptr;
    const void* v = nullptr;
    const float* o = nullptr;
    const float* d_o = nullptr;
    const float* lse = nullptr;
    float* dq = nullptr;
    float* dk = nullptr;
    float* dv = nullptr;
    float* delta = nullptr;                    // [B][H][Sq] D_i = dO_i . O_i
    float* lse2 = nullptr;                     // [B][H][Sq] LSE * log2(e)
    std::atomic<int>* locks = nullptr;         // one per (b, h, query tile): dQ tile accumulation
    std::int64_t qtiles = 0, dp = 0, dvp = 0;  // query tiles per head; D, Dv rounded up to nr
};

constexpr std::int64_t bwd_scratch_floats(const TileSizes& t, std::int64_t d, std::int64_t dv,
                                          std::int64_t dp, std::int64_t dvp) {
    const std::int64_t bq = t.bq, bk = t.bk;
    return d * bk + dv * bk + bk * dp + bk * dp + bk * dvp  // K^T, V^T, K, dK, dV tiles
           + bq * d + bq * dp + bq * dv + bq * dvp          // packed Q, Q, packed dO, dO
           + 2 * bq * bk + bq * dp + 16 * 12;               // P, dS, dQ tile, alignment slack
}

// The unfused kernel's softmax passes over materialised score rows (row r of the batch of
// B*H*Sq rows is query r % Sq). Scores arrive scaled (the QK^T GEMM's alpha).
struct SoftmaxArgs {
    std::int64_t seq_q = 0, seq_k = 0;
    bool causal = false;
    float scale = 0;           // softmax scale (backward: dS = P (dP - sum P dP) scale)
    float* s = nullptr;        // [rows][seq_k] scores in, P out (fp32) ; backward: dP in, dS out
    bf16* p16 = nullptr;       // P (forward) or dS (backward) as bf16 when the GEMMs take bf16
    float* lse = nullptr;      // forward: natural log-sum-exp per row
    const float* p = nullptr;  // backward: P of the forward (fp32) ...
    const bf16* p_in16 = nullptr;  // ... or as bf16
};

struct KernelSet {
    const char* name;  // ISA and register tile, e.g. "avx512_12x32"
    Isa isa;
    TileSizes fwd, bwd;
    int decode_block;  // keys per decode step (the lane count)
    void (*fwd_pack)(const FwdArgs&, std::int64_t b, std::int64_t g, std::int64_t kt);
    void (*fwd_tile)(const FwdArgs&, std::int64_t b, std::int64_t h, std::int64_t qt,
                     float* scratch);
    void (*decode)(const DecodeArgs&, std::int64_t b, std::int64_t chunk, float* scratch);
    void (*bwd_rows)(const BwdArgs&, std::int64_t b, std::int64_t h, std::int64_t qt,
                     std::int64_t bq);
    void (*bwd_tile)(const BwdArgs&, std::int64_t b, std::int64_t g, std::int64_t kt,
                     float* scratch);
    void (*softmax)(const SoftmaxArgs&, std::int64_t row0, std::int64_t rows);
    void (*softmax_bwd)(const SoftmaxArgs&, std::int64_t row0, std::int64_t rows);
};

// The best kernel set for an ISA level (the table is ordered best first; generic always runs).
const KernelSet& choose_kernel_set(Isa isa);
// Every kernel set this CPU can run.
std::vector<const KernelSet*> kernel_sets_runnable();

// --- entries: each ISA's functions live in a namespace named after it, one file per concept --
//   flash_fwd_<isa>_<tile>.cpp: fwd_pack, fwd_tile   flash_bwd_<isa>_<tile>.cpp: bwd_rows, bwd_tile
//   decode_<isa>.cpp: decode                           softmax_rows_<isa>.cpp: softmax, softmax_bwd
namespace avx512 {
void fwd_pack(const FwdArgs&, std::int64_t b, std::int64_t g, std::int64_t kt);
void fwd_tile(const FwdArgs&, std::int64_t b, std::int64_t h, std::int64_t qt, float* scratch);
void decode(const DecodeArgs&, std::int64_t b, std::int64_t chunk, float* scratch);
void bwd_rows(const BwdArgs&, std::int64_t b, std::int64_t h, std::int64_t qt, std::int64_t bq);
void bwd_tile(const BwdArgs&, std::int64_t b, std::int64_t g, std::int64_t kt, float* scratch);
void softmax(const SoftmaxArgs&, std::int64_t row0, std::int64_t rows);
void softmax_bwd(const SoftmaxArgs&, std::int64_t row0, std::int64_t rows);
}  // namespace avx512
namespace avx2 {
void fwd_pack(const FwdArgs&, std::int64_t b, std::int64_t g, std::int64_t kt);
void fwd_tile(const FwdArgs&, std::int64_t b, std::int64_t h, std::int64_t qt, float* scratch);
void decode(const DecodeArgs&, std::int64_t b, std::int64_t chunk, float* scratch);
void bwd_rows(const BwdArgs&, std::int64_t b, std::int64_t h, std::int64_t qt, std::int64_t bq);
void bwd_tile(const BwdArgs&, std::int64_t b, std::int64_t g, std::int64_t kt, float* scratch);
void softmax(const SoftmaxArgs&, std::int64_t row0, std::int64_t rows);
void softmax_bwd(const SoftmaxArgs&, std::int64_t row0, std::int64_t rows);
}  // namespace avx2
namespace generic {
void fwd_pack(const FwdArgs&, std::int64_t b, std::int64_t g, std::int64_t kt);
void fwd_tile(const FwdArgs&, std::int64_t b, std::int64_t h, std::int64_t qt, float* scratch);
void decode(const DecodeArgs&, std::int64_t b, std::int64_t chunk, float* scratch);
void bwd_rows(const BwdArgs&, std::int64_t b, std::int64_t h, std::int64_t qt, std::int64_t bq);
void bwd_tile(const BwdArgs&, std::int64_t b, std::int64_t g, std::int64_t kt, float* scratch);
void softmax(const SoftmaxArgs&, std::int64_t row0, std::int64_t rows);
void softmax_bwd(const SoftmaxArgs&, std::int64_t row0, std::int64_t rows);
}  // namespace generic

}  // namespace flopmeter::attn
