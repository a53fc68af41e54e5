// Host-side logic of the GPU path, tested on the CPU in every build (with or without CUDA):
// number formats, the shared-memory layout and mma fragment maps the kernels use, launch and
// tiling arithmetic, FLOP counts, and the wgmma descriptor packing.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "core/flops.hpp"
#include "kernels/cuda/attention/flash_plan.hpp"
#include "kernels/cuda/attention/gpu_attention_problem.hpp"
#include "kernels/cuda/common/host_float.hpp"
#include "kernels/cuda/common/ptx_sm90.cuh"
#include "kernels/cuda/common/tile_layout.hpp"
#include "kernels/cuda/gemm/gemm_launch.hpp"
#include "kernels/cuda/gemm/gpu_gemm_problem.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include <cuda_fp8.h>
#endif

using namespace flopmeter;
using namespace flopmeter::cuda_tile;

// ---- number formats ---------------------------------------------------------------------------

TEST_CASE("fp16 codec: every half decodes exactly and re-encodes to itself",
          "[cuda][host][format]") {
    for (std::uint32_t h = 0; h < 65536; ++h) {
        const float f = cuda_host::fp16_to_float(std::uint16_t(h));
        if (std::isnan(f)) {
            CHECK(((h >> 10) & 0x1f) == 0x1f);
            continue;
        }
#ifdef __FLT16_MAX__
        _Float16 ref;
        const std::uint16_t bits = std::uint16_t(h);
        std::memcpy(&ref, &bits, 2);
        CHECK(f == float(ref));
#endif
        CHECK(cuda_host::fp16_from_float(f) == h);
    }
}

TEST_CASE("fp16 codec rounds to nearest even, overflows to infinity", "[cuda][host][format]") {
    CHECK(cuda_host::fp16_from_float(1.0f) == 0x3c00);
    CHECK(cuda_host::fp16_from_float(65504.0f) == 0x7bff);
    CHECK(cuda_host::fp16_from_float(65519.0f) == 0x7bff);  // below the midpoint to 65536
    CHECK(cuda_host::fp16_from_float(65520.0f) == 0x7c00);  // the midpoint rounds to even: infinity
    CHECK(cuda_host::fp16_from_float(1.0f + 1.0f / 2048) == 0x3c00);  // tie -> even
    CHECK(cuda_host::fp16_from_float(1.0f + 3.0f / 2048) == 0x3c02);  // tie -> even (up)
    CHECK(cuda_host::fp16_from_float(5.9604645e-8f) == 0x0001);       // smallest subnormal
    CHECK(cuda_host::fp16_from_float(2.9802322e-8f) == 0x0000);       // half of it: tie -> 0
    CHECK(cuda_host::fp16_from_float(-0.0f) == 0x8000);
#ifdef __FLT16_MAX__
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> d(-70000.f, 70000.f);
    for (int i = 0; i < 200000; ++i) {
        float x = d(rng);
        if (i % 3 == 0) x *= 1e-6f;
        const _Float16 ref = _Float16(x);
        std::uint16_t bits;
        std::memcpy(&bits, &ref, 2);
        INFO(x);
        REQUIRE(cuda_host::fp16_from_float(x) == bits);
    }
#endif
}

TEST_CASE("e4m3 codec: values, round trip, saturation, ties to even", "[cuda][host][format]") {
    CHECK(cuda_host::e4m3_to_float(0x38) == 1.0f);
    CHECK(cuda_host::e4m3_to_float(0x7e) == 448.0f);
    CHECK(cuda_host::e4m3_to_float(0x01) == std::ldexp(1.0f, -9));
    CHECK(cuda_host::e4m3_to_float(0x08) == std::ldexp(1.0f, -6));
    CHECK(std::isnan(cuda_host::e4m3_to_float(0x7f)));
    CHECK(std::isnan(cuda_host::e4m3_to_float(0xff)));
    for (int b = 0; b < 256; ++b) {
        if ((b & 0x7f) == 0x7f) continue;
        const float f = cuda_host::e4m3_to_float(std::uint8_t(b));
        CHECK(cuda_host::e4m3_from_float(f) == b);
    }
    CHECK(cuda_host::e4m3_from_float(1000.0f) == 0x7e);
    CHECK(cuda_host::e4m3_from_float(-1e30f) == 0xfe);
    CHECK(cuda_host::e4m3_from_float(464.0f) == 0x7e);
    CHECK(cuda_host::e4m3_from_float(1.0625f) == 0x38);  // midway 1.0 / 1.125 -> even (1.0)
    CHECK(cuda_host::e4m3_from_float(1.1875f) == 0x3a);  // midway 1.125 / 1.25 -> even (1.25)
    CHECK(cuda_host::e4m3_from_float(std::ldexp(1.0f, -10)) ==
          0x00);  // half the smallest subnormal
#ifdef FLOPMETER_HAVE_CUDA
    // The CUDA headers' own (host) conversion as an independent oracle.
    std::mt19937 rng(9);
    std::uniform_real_distribution<float> d(-500.f, 500.f);
    for (int i = 0; i < 100000; ++i) {
        float x = d(rng);
        if (i % 4 == 0) x *= 1e-3f;
        const __nv_fp8_storage_t ref = __nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3);
        INFO(x);
        REQUIRE(cuda_host::e4m3_from_float(x) == ref);
    }
#endif
}

// ---- shared-memory layout and fragments ---------------------------------------------------------

namespace {

template <int ROWS, int COLS>
void check_sw128_bijection() {
    std::vector<int> hit(ROWS * COLS, 0);
    for (int r = 0; r < ROWS; ++r)
        for (int c = 0; c < COLS; ++c) {
            const std::uint32_t off = sw128_offset<ROWS>(r, c);
            REQUIRE(off % 2 == 0);
            REQUIRE(off < std::uint32_t(ROWS * COLS * 2));
            ++hit[off / 2];
        }
    for (int h : hit) REQUIRE(h == 1);
}

// Bank group (16-byte unit of the 128-byte bank line) of a shared-memory byte offset.
int group16(std::uint32_t off) {
    return int((off / 16) % 8);
}

// One 8-lane phase of a 16-byte-per-lane access is conflict-free when its 8 units are in 8
// distinct bank groups.
template <class F>
void check_phases_conflict_free(F&& offset_of_lane) {
    for (int phase = 0; phase < 4; ++phase) {
        std::set<int> groups;
        for (int l = 8 * phase; l < 8 * phase + 8; ++l) groups.insert(group16(offset_of_lane(l)));
        REQUIRE(groups.size() == 8);
    }
}

// ldmatrix.x4 (PTX ISA): lane l supplies the address of row (l % 8) of matrix l / 8; thread t
// receives in register j the elements (row t / 4, cols 2*(t%4), +1) of matrix j, or with .trans
// the elements (rows 2*(t%4), +1, col t / 4). Returns the tile coordinates thread t gets in
// register j, half h, given where each lane pointed (an 8-element row piece at (row, col)).
template <class Addr>
RowCol ldmatrix_elem(Addr&& lane_addr, bool trans, int t, int j, int h) {
    if (!trans) {
        const RowCol base = lane_addr(8 * j + t / 4);
        return RowCol{base.row, base.col + 2 * (t % 4) + h};
    }
    const RowCol base = lane_addr(8 * j + 2 * (t % 4) + h);
    return RowCol{base.row, base.col + t / 4};
}

}  // namespace

TEST_CASE("Sw128 tile layout is a bijection for every tile shape the kernels use",
          "[cuda][host][layout]") {
    check_sw128_bijection<128, 64>();
    check_sw128_bijection<64, 128>();
    check_sw128_bijection<64, 64>();
    check_sw128_bijection<256, 64>();
    check_sw128_bijection<128, 128>();
}

TEST_CASE("Sw128 layout matches TMA's 128-byte swizzle of [rows][64] boxes",
          "[cuda][host][layout]") {
    // CU_TENSOR_MAP_SWIZZLE_128B: 16-byte chunk c of 128-byte row r lands at chunk c ^ (r % 8);
    // boxes of 64 columns are stacked (the wgmma kernel's atoms, the mma kernels' column blocks).
    for (int r = 0; r < 64; ++r)
        for (int c = 0; c < 128; ++c) {
            const std::uint32_t atom = std::uint32_t(c / 64) * 64 * 128;
            const std::uint32_t want = atom + std::uint32_t(r) * 128 +
                                       std::uint32_t(((c % 64) / 8) ^ (r % 8)) * 16 + (c % 8) * 2;
            REQUIRE(sw128_offset<64>(r, c) == want);
        }
}

TEST_CASE("cp.async chunk writes and every ldmatrix pattern are bank-conflict-free",
          "[cuda][host][layout]") {
    // cp.async: 8 consecutive chunks per phase.
    for (int q0 = 0; q0 < 1024; q0 += 8) {
        check_phases_conflict_free([&](int l) {
            const RowCol rc = chunk_coords<64>(q0 + l % 8);
            return sw128_offset<128>(rc.row, rc.col);
        });
        check_phases_conflict_free([&](int l) {
            const RowCol rc = chunk_coords<128>(q0 + l % 8);
            return sw128_offset<64>(rc.row, rc.col);
        });
    }
    // ldmatrix from the GEMM and attention tiles, at every 16-aligned origin and k step.
    for (int r0 = 0; r0 < 128; r0 += 16)
        for (int c0 = 0; c0 < 64; c0 += 16) {
            check_phases_conflict_free([&](int l) {
                const RowCol a = ldsm_a_mk(l);
                return sw128_offset<128>(r0 + a.row, c0 + a.col);
            });
            check_phases_conflict_free([&](int l) {
                const RowCol b = ldsm_b_nk(l);
                return sw128_offset<128>(r0 + b.row, c0 + b.col);
            });
        }
    for (int k0 = 0; k0 < 64; k0 += 16)
        for (int c0 = 0; c0 < 128; c0 += 16) {
            check_phases_conflict_free([&](int l) {
                const RowCol a = ldsm_a_km_trans(l);
                return sw128_offset<64>(k0 + a.row, c0 + a.col);
            });
            check_phases_conflict_free([&](int l) {
                const RowCol b = ldsm_b_kn_trans(l);
                return sw128_offset<64>(k0 + b.row, c0 + b.col);
            });
        }
}

TEST_CASE("ldmatrix lane addresses deliver exactly the mma.m16n8k16 fragments",
          "[cuda][host][layout]") {
    // A from [m][k] storage (no transpose) and from [k][m] storage (.trans).
    for (int t = 0; t < 32; ++t)
        for (int j = 0; j < 4; ++j)
            for (int h = 0; h < 2; ++h) {
                const RowCol want = mma_a_elem(t, j, h);  // (m, k)
                const RowCol mk = ldmatrix_elem(ldsm_a_mk, false, t, j, h);
                CHECK((mk.row == want.row && mk.col == want.col));
                const RowCol km = ldmatrix_elem(ldsm_a_km_trans, true, t, j, h);  // (k, m)
                CHECK((km.col == want.row && km.row == want.col));
            }
    // B from [n][k] (no transpose) and [k][n] (.trans): registers 0,1 are n-tile 0, 2,3 n-tile 1.
    for (int t = 0; t < 32; ++t)
        for (int j = 0; j < 4; ++j)
            for (int h = 0; h < 2; ++h) {
                const RowCol want = mma_b_elem(t, j % 2, h);  // (k, n) within the n8 tile
                const int ntile = j / 2;
                const RowCol nk = ldmatrix_elem(ldsm_b_nk, false, t, j, h);  // (n, k)
                CHECK((nk.row == want.col + 8 * ntile && nk.col == want.row));
                const RowCol kn = ldmatrix_elem(ldsm_b_kn_trans, true, t, j, h);  // (k, n)
                CHECK((kn.row == want.row && kn.col == want.col + 8 * ntile));
            }
}

TEST_CASE("C fragments of two n8 tiles are the A fragment of the next product",
          "[cuda][host][layout]") {
    for (int kk = 0; kk < 4; ++kk)
        for (int t = 0; t < 32; ++t)
            for (int reg = 0; reg < 4; ++reg)
                for (int h = 0; h < 2; ++h) {
                    const RowCol a = mma_a_elem(t, reg, h);  // (m, k) within the k16 step
                    const RowCol c = mma_c_elem(t, c_to_a_first_idx(reg) + h);
                    CHECK(c.row == a.row);
                    CHECK(8 * c_to_a_tile(kk, reg) + c.col == 16 * kk + a.col);
                }
}

TEST_CASE("mma C fragment map covers the 16x8 tile once", "[cuda][host][layout]") {
    std::set<std::pair<int, int>> seen;
    for (int t = 0; t < 32; ++t)
        for (int i = 0; i < 4; ++i) {
            const RowCol c = mma_c_elem(t, i);
            CHECK(c.row < 16);
            CHECK(c.col < 8);
            seen.insert({c.row, c.col});
        }
    CHECK(seen.size() == 128);
}

TEST_CASE("wgmma shared-memory descriptors pack address, offsets and the 128B swizzle",
          "[cuda][host][layout]") {
    const std::uint64_t d = ptx90::sw128_desc(0x12340, 8192, 1024);
    CHECK((d & 0x3fff) == (0x12340 >> 4));
    CHECK(((d >> 16) & 0x3fff) == 8192 / 16);
    CHECK(((d >> 32) & 0x3fff) == 1024 / 16);
    CHECK((d >> 62) == 1);
    CHECK(((d >> 49) & 7) == 0);  // base offset 0: atoms are 1024-aligned
}

// ---- GEMM launch arithmetic ---------------------------------------------------------------------

TEST_CASE("grouped tile order visits every tile exactly once", "[cuda][host][gemm]") {
    for (std::int64_t tm : {1, 3, 8, 9, 17, 64})
        for (std::int64_t tn : {1, 2, 5, 32}) {
            std::set<std::pair<std::int64_t, std::int64_t>> seen;
            for (std::int64_t b = 0; b < tm * tn; ++b) {
                const auto c = cuda_gemm::grouped_tile(b, tm, tn, cuda_gemm::kGroupM);
                REQUIRE(c.tm >= 0);
                REQUIRE(c.tm < tm);
                REQUIRE(c.tn >= 0);
                REQUIRE(c.tn < tn);
                seen.insert({c.tm, c.tn});
            }
            CHECK(std::int64_t(seen.size()) == tm * tn);
        }
    // Consecutive blocks stay within a group of 8 tile rows.
    const auto a = cuda_gemm::grouped_tile(0, 64, 64, 8), b = cuda_gemm::grouped_tile(7, 64, 64, 8),
               c = cuda_gemm::grouped_tile(8, 64, 64, 8);
    CHECK((a.tm == 0 && a.tn == 0 && b.tm == 7 && b.tn == 0 && c.tm == 0 && c.tn == 1));
}

TEST_CASE("own GPU GEMM shape rules and shared-memory budgets", "[cuda][host][gemm]") {
    // nn: A K-contiguous, B N-contiguous; nt: both K; tn: A M-contiguous, B N.
    CHECK(cuda_gemm::tensor_core_shape_ok(7, 8, 16, 0));
    CHECK_FALSE(cuda_gemm::tensor_core_shape_ok(8, 7, 16, 0));  // N contiguous in B
    CHECK(cuda_gemm::tensor_core_shape_ok(7, 7, 16, 1));        // nt: only K matters
    CHECK_FALSE(cuda_gemm::tensor_core_shape_ok(8, 8, 12, 1));
    CHECK_FALSE(cuda_gemm::tensor_core_shape_ok(7, 8, 16, 2));  // tn: M contiguous in A
    CHECK(cuda_gemm::simt_vector_ok(4, 8, 12, 0));
    CHECK_FALSE(cuda_gemm::simt_vector_ok(4, 6, 12, 0));
    CHECK(cuda_gemm::mma_smem_bytes() == 3 * 32768);
    CHECK(cuda_gemm::wgmma_smem_bytes() <= 227 * 1024);  // Hopper's per-block limit
    CHECK(cuda_gemm::wgmma_smem_bytes() >= 4 * 49152 + 1024);
}

TEST_CASE("GPU GEMM problems: modes, storage, FLOPs and bytes from the formula header",
          "[cuda][host][gemm]") {
    const GpuGemmProblem p{8192, 8192, 8192, Layout::nn, GemmMode::bf16, 1.0, 0.0};
    CHECK(gpu_gemm_model_flops(p) == 2.0 * 8192.0 * 8192.0 * 8192.0);
    CHECK(gpu_gemm_executed_flops(p) == gpu_gemm_model_flops(p));
    CHECK(gpu_gemm_bytes(p) == 3.0 * 8192.0 * 8192.0 * 2.0);  // A, B read, C (bf16) written
    GpuGemmProblem q = p;
    q.mode = GemmMode::fp8;
    q.beta = 1.0;
    CHECK(gpu_gemm_bytes(q) == 2.0 * 8192.0 * 8192.0 * 1.0 + 2.0 * 8192.0 * 8192.0 * 2.0);
    CHECK(gpu_gemm_executed_flops(q) == gpu_gemm_model_flops(q) + 2.0 * 8192.0 * 8192.0);
    CHECK(gemm_ab_storage(GemmMode::tf32) == GpuStorage::f32);
    CHECK(gemm_c_storage(GemmMode::fp16) == GpuStorage::f16);
    CHECK(parse_gemm_mode("fp8") == GemmMode::fp8);
    CHECK_FALSE(parse_gemm_mode("fp4"));
    CHECK(describe(p) == "bf16 nn 8192x8192x8192");
    CHECK_THROWS_WITH(
        check_gpu_gemm_problem(GpuGemmProblem{0, 1, 1, Layout::nn, GemmMode::bf16, 1, 0}),
        Catch::Contains("must be a positive integer"));
    CHECK_THROWS_WITH(
        check_gpu_gemm_problem(GpuGemmProblem{1, 1, 1, Layout::nn, GemmMode::bf16, NAN, 0}),
        Catch::Contains("finite"));
    CHECK_THROWS_WITH(
        check_gpu_gemm_problem(GpuGemmProblem{std::int64_t(1) << 40, std::int64_t(1) << 40, 1,
                                              Layout::nn, GemmMode::bf16, 1, 0}),
        Catch::Contains("overflows"));
}

// ---- flash attention tiling ---------------------------------------------------------------------

TEST_CASE("flash forward: key blocks cover every visible key, splits partition them",
          "[cuda][host][attention]") {
    using namespace cuda_attn;
    struct S {
        std::int64_t h, kv, sq, sk;
        bool causal;
    };
    for (const S s : {S{4, 4, 300, 300, true}, S{4, 4, 300, 700, true}, S{8, 2, 1, 1000, false},
                      S{8, 2, 33, 200, true}, S{2, 1, 129, 129, false}, S{6, 3, 64, 64, true}}) {
        for (const FwdTiling t : {kFwdSm80, kFwdSm90}) {
            const FwdGeometry g = fwd_geometry(s.h, s.kv, s.sq, s.sk, 1, t);
            CHECK(g.rows == s.sq * (s.h / s.kv));
            for (std::int64_t v = 0; v < g.rows; ++v) {
                const std::int64_t mb = v / t.br;
                const std::int64_t need = fwd_kv_blocks_needed(g, mb, s.sq, s.sk, s.causal);
                const std::int64_t kend = key_end(v / g.hpg, s.sq, s.sk, s.causal);
                REQUIRE(kend >= 1);
                REQUIRE(need * t.bc >= kend);  // every visible key is visited
                REQUIRE(need <= g.kv_blocks);
                REQUIRE((v % t.br) / t.unit_rows < fwd_active_units(g, mb));  // its unit computes
            }
        }
        for (int splits : {1, 2, 3, 7}) {
            for (std::int64_t need : {std::int64_t(1), std::int64_t(5), std::int64_t(64)}) {
                std::int64_t next = 0;
                for (int sp = 0; sp < splits; ++sp) {
                    const BlockRange r = fwd_split_range(need, sp, splits);
                    REQUIRE(r.begin == next);
                    REQUIRE(r.end >= r.begin);
                    next = r.end;
                }
                REQUIRE(next == need);
            }
        }
    }
}

TEST_CASE("flash backward: skipped query blocks see none of the key block",
          "[cuda][host][attention]") {
    using namespace cuda_attn;
    for (auto [sq, sk] : std::vector<std::pair<std::int64_t, std::int64_t>>{
             {300, 300}, {100, 260}, {64, 64}, {1, 1}}) {
        const std::int64_t nk = cdiv(sk, kBwdBc);
        for (std::int64_t kb = 0; kb < nk; ++kb) {
            const std::int64_t first = bwd_first_q_block(kb, sq, sk, true);
            for (std::int64_t q = 0; q < sq; ++q) {
                const bool sees =
                    key_end(q, sq, sk, true) > kb * kBwdBc;  // sees the block's first key
                if (sees) REQUIRE(q / kBwdBr >= first);
            }
            CHECK(bwd_first_q_block(kb, sq, sk, false) == 0);
        }
    }
}

TEST_CASE(
    "flash executed FLOPs: equal to model FLOPs on aligned non-causal shapes, above them otherwise",
    "[cuda][host][attention]") {
    using namespace cuda_attn;
    GpuAttentionProblem p{4, 32, 32, 4096, 4096, 128, false, false, GpuStorage::bf16};
    CHECK(flash_fwd_executed_flops(4, 32, 32, 4096, 4096, 128, false) ==
          gpu_attention_model_flops(p));
    p.backward = true;
    CHECK(flash_bwd_executed_flops(4, 32, 32, 4096, 4096, 128, false) ==
          gpu_attention_model_flops(p));
    p.causal = true;
    const double bwd_c = flash_bwd_executed_flops(4, 32, 32, 4096, 4096, 128, true);
    CHECK(bwd_c > gpu_attention_model_flops(p));
    CHECK(bwd_c < 1.05 * gpu_attention_model_flops(p));  // diagonal tiles only
    p.backward = false;
    const double fwd_c = flash_fwd_executed_flops(4, 32, 32, 4096, 4096, 128, true);
    CHECK(fwd_c > gpu_attention_model_flops(p));
    CHECK(fwd_c < 1.05 * gpu_attention_model_flops(p));
    // Decode: 4 heads per kv head fill 4 rows of one warp (sm80: 64-key blocks) or of one
    // warpgroup (sm90: 64 rows computed, 128-key blocks).
    CHECK(flash_fwd_executed_flops(8, 32, 8, 1, 8192, 128, false) ==
          8.0 * 8 * 128 * 2 * 16 * 64 * 256);
    CHECK(flash_fwd_executed_flops(8, 32, 8, 1, 8192, 128, false, kFwdSm90) ==
          8.0 * 8 * 64 * 2 * 64 * 128 * 256);
    // The Hopper tiling on the aligned target shape is exact too, and above the model when causal.
    GpuAttentionProblem f{4, 32, 32, 4096, 4096, 128, false, false, GpuStorage::bf16};
    CHECK(flash_fwd_executed_flops(4, 32, 32, 4096, 4096, 128, false, kFwdSm90) ==
          gpu_attention_model_flops(f));
    f.causal = true;
    const double c90 = flash_fwd_executed_flops(4, 32, 32, 4096, 4096, 128, true, kFwdSm90);
    CHECK(c90 > gpu_attention_model_flops(f));
    CHECK(c90 < 1.05 * gpu_attention_model_flops(f));
}

TEST_CASE("flash-decoding splits only when the grid leaves SMs idle", "[cuda][host][attention]") {
    using namespace cuda_attn;
    CHECK(choose_fwd_splits(2048, 64, 132) == 1);
    CHECK(choose_fwd_splits(64, 128, 132) == 5);  // 64 blocks on 132 SMs: ~2 blocks per SM
    CHECK(choose_fwd_splits(8, 6, 132) == 3);     // capped at half the key blocks
    CHECK(choose_fwd_splits(1, 10000, 132) == kMaxSplits);
    CHECK(choose_fwd_splits(8, 3, 132) == 1);  // too few key blocks to split
}

TEST_CASE("GPU attention problems: checks, FLOP conventions, bytes", "[cuda][host][attention]") {
    GpuAttentionProblem p{4, 32, 8, 4096, 4096, 128, true, false, GpuStorage::bf16};
    check_gpu_attention_problem(p);
    CHECK(gpu_attention_model_flops(p) == flops::attention_fwd_model_flops(attention_shape(p)));
    CHECK(gpu_attention_flash_flops(p) == 4.0 * 4 * 32 * 4096.0 * 4096.0 * 128 / 2);
    const double q = 4.0 * 4096 * 32 * 128 * 2, kv = 4.0 * 4096 * 8 * 128 * 2,
                 lse = 4.0 * 32 * 4096 * 4;
    CHECK(gpu_attention_bytes(p) == q + 2 * kv + q + lse);
    p.backward = true;
    CHECK(gpu_attention_model_flops(p) ==
          2.5 * flops::attention_fwd_model_flops(attention_shape(p)));
    auto bad = p;
    bad.kv_heads = 6;
    CHECK_THROWS_WITH(check_gpu_attention_problem(bad), Catch::Contains("multiple of kv-heads"));
    bad = p;
    bad.seq_q = 5000;
    CHECK_THROWS_WITH(check_gpu_attention_problem(bad), Catch::Contains("seq-q <= seq-k"));
    bad = p;
    bad.dtype = GpuStorage::f32;
    CHECK_THROWS_WITH(check_gpu_attention_problem(bad), Catch::Contains("bf16 or fp16"));
    bad = p;
    bad.head_dim = 0;
    CHECK_THROWS_WITH(check_gpu_attention_problem(bad),
                      Catch::Contains("must be a positive integer"));
}
