// flash_fwd_sm90_128x128: fused attention forward for Hopper (sm_90a) on wgmma, bf16/fp16,
// head_dim 128, causal or not, grouped-query packing and flash-decoding splits with the same
// contract as flash_fwd_sm80 (flash_plan.hpp, tiling kFwdSm90). Model FLOPs 2*B*H*P*(D+Dv)
// (core/flops.hpp); executed FLOPs flash_fwd_executed_flops(..., kFwdSm90).
//
// Algorithm: a block of two warpgroups owns 128 rows (query, head) of one (batch, kv head), each
// warpgroup 64 of them. Q (128x128) and a two-stage ring of K and V tiles (128 keys x 128) are
// copied into shared memory with cp.async in the 128-byte-swizzled layout wgmma reads
// (tile_layout.hpp's Sw128 = the canonical SW128 layout; fence.proxy.async makes the copies
// visible to the tensor cores). Per key tile a warpgroup
//   S = Q K^T        8 x wgmma.m64n128k16, both operands from shared memory, K-major
//   mask, online softmax on the 64 fp32 accumulators each thread holds (same row layout as
//                    mma.m16n8: two rows per thread, quads share a row)
//   O = O*exp2(m_old - m) + P V   8 x wgmma.m64n128k16 with P from registers (the S
//                    accumulators packed to 16 bits are exactly the A-register fragment) and V
//                    from shared memory MN-major (transpose bit)
// The next key tile's copies overlap the current one's math. Epilogue as flash_fwd_sm80.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/cuda/attention/flash_attention.hpp"
#include "kernels/cuda/attention/flash_plan.hpp"
#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/ptx_sm80.cuh"
#include "kernels/cuda/common/ptx_sm90.cuh"
#include "kernels/cuda/common/tile_layout.hpp"

namespace flopmeter {

namespace {

using namespace cuda_tile;
using namespace cuda_attn;
constexpr int Br = kFwdSm90.br, Bc = kFwdSm90.bc, D = 128, kThreads = 256;
constexpr int kTileBytes = 128 * D * 2;  // Q, K and V tiles are all 128 x 128 (32 KiB)
constexpr int kSmemBytes = 5 * kTileBytes + 1024;
constexpr float kLog2e = 1.4426950408889634f;
static_assert(Br == 128 && Bc == 128, "tiles are 128 x 128");

struct Sm90Args {
    const std::uint16_t* q;
    const std::uint16_t* k;
    const std::uint16_t* v;
    void* o;
    float* lse;
    float* o_part;
    float* lse_part;
    std::int64_t batch, heads, kv_heads, seq_q, seq_k;
    FwdGeometry g;
    bool causal;
    float scale_log2;
};

#ifdef FM_SM90A
constexpr float kLn2 = 0.6931471805599453f;

// s[64] (+)= A(64x16, smem desc) * B(16x128, smem desc), both K-major; scale_d 0 overwrites.
template <class T>
__device__ __forceinline__ void wgmma_ss_m64n128k16(float (&d)[64], std::uint64_t da,
                                                    std::uint64_t db, int scale_d) {
    if constexpr (std::is_same<T, __nv_bfloat16>::value) {
        asm volatile(
            "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
            "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, "
            "%7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, "
            "%24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, "
            "%41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, "
            "%58, %59, %60, %61, %62, %63}, %64, %65, p, 1, 1, 0, 0;\n}\n"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
              "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]),
              "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]),
              "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]),
              "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]),
              "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]),
              "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]),
              "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]),
              "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]),
              "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]),
              "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
            : "l"(da), "l"(db), "r"(scale_d));
    } else {
        asm volatile(
            "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
            "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {%0, %1, %2, %3, %4, %5, %6, %7, "
            "%8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, "
            "%25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, "
            "%42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, "
            "%59, %60, %61, %62, %63}, %64, %65, p, 1, 1, 0, 0;\n}\n"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
              "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]),
              "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]),
              "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]),
              "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]),
              "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]),
              "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]),
              "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]),
              "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]),
              "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]),
              "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
            : "l"(da), "l"(db), "r"(scale_d));
    }
}

// o[64] += A(64x16, registers: the mma A-fragment layout) * B(16x128, smem desc, MN-major).
template <class T>
__device__ __forceinline__ void wgmma_rs_m64n128k16_tb(float (&d)[64], const std::uint32_t (&a)[4],
                                                       std::uint64_t db) {
    if constexpr (std::is_same<T, __nv_bfloat16>::value) {
        asm volatile(
            "{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
            "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, "
            "%7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, "
            "%24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, "
            "%41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, "
            "%58, %59, %60, %61, %62, %63}, {%64, %65, %66, %67}, %68, p, 1, 1, 1;\n}\n"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
              "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]),
              "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]),
              "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]),
              "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]),
              "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]),
              "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]),
              "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]),
              "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]),
              "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]),
              "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(db), "r"(1));
    } else {
        asm volatile(
            "{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
            "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {%0, %1, %2, %3, %4, %5, %6, %7, "
            "%8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, "
            "%25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, "
            "%42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, "
            "%59, %60, %61, %62, %63}, {%64, %65, %66, %67}, %68, p, 1, 1, 1;\n}\n"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
              "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]),
              "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]),
              "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]),
              "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]),
              "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]),
              "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]),
              "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]),
              "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]),
              "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]),
              "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(db), "r"(1));
    }
}

__device__ __forceinline__ void fence_proxy_async() {
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}

__device__ __forceinline__ float quad_max(float x) {
    x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
    return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}
__device__ __forceinline__ float quad_sum(float x) {
    x += __shfl_xor_sync(0xffffffffu, x, 1);
    return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

// 128 rows of K or V (keys key0.., zero past seq_k) into a Sw128 tile.
__device__ __forceinline__ void load_kv(std::uint32_t dst, const std::uint16_t* base,
                                        std::int64_t key0, const Sm90Args& p, std::int64_t b,
                                        std::int64_t g) {
#pragma unroll
    for (int i = 0; i < Bc * D / 8 / kThreads; ++i) {
        const RowCol rc = chunk_coords<D>(int(threadIdx.x) + i * kThreads);
        const std::int64_t key = key0 + rc.row;
        const bool ok = key < p.seq_k;
        const std::uint16_t* src =
            ok ? base + ((b * p.seq_k + key) * p.kv_heads + g) * D + rc.col : base;
        ptx::cp_async_16(dst + sw128_offset<Bc>(rc.row, rc.col), src, ok);
    }
}
#endif  // FM_SM90A

template <class T>
__global__ void __launch_bounds__(kThreads, 1) flash_fwd_sm90_kernel(Sm90Args p) {
#ifdef FM_SM90A
    extern __shared__ __align__(1024) unsigned char smem_raw[];
    const std::uint32_t sq = (ptx::smem_u32(smem_raw) + 1023u) & ~1023u;
    auto k_tile = [&](int buf) { return sq + std::uint32_t(kTileBytes) * (1 + 2 * buf); };
    auto v_tile = [&](int buf) { return sq + std::uint32_t(kTileBytes) * (2 + 2 * buf); };

    const std::int64_t mb = blockIdx.x;
    const std::int64_t b = blockIdx.y / p.kv_heads, g = blockIdx.y % p.kv_heads;
    const int split = int(blockIdx.z);
    const FwdGeometry& geo = p.g;
    const int wg = int(threadIdx.x) / 128, warp = (int(threadIdx.x) % 128) / 32,
              lane = int(threadIdx.x) % 32;
    const std::int64_t row0 = mb * Br;

#pragma unroll
    for (int i = 0; i < Br * D / 8 / kThreads; ++i) {
        const RowCol rc = chunk_coords<D>(int(threadIdx.x) + i * kThreads);
        const std::int64_t v = row0 + rc.row;
        const bool ok = v < geo.rows;
        const std::int64_t qi = v / geo.hpg, h = g * geo.hpg + v % geo.hpg;
        const std::uint16_t* src = ok ? p.q + ((b * p.seq_q + qi) * p.heads + h) * D + rc.col : p.q;
        ptx::cp_async_16(sq + sw128_offset<Br>(rc.row, rc.col), src, ok);
    }
    const std::int64_t needed = fwd_kv_blocks_needed(geo, mb, p.seq_q, p.seq_k, p.causal);
    const BlockRange range = fwd_split_range(needed, split, geo.splits);
    if (range.begin < range.end) {
        load_kv(k_tile(0), p.k, range.begin * Bc, p, b, g);
        load_kv(v_tile(0), p.v, range.begin * Bc, p, b, g);
    }
    ptx::cp_async_commit();

    // This warpgroup's 64 rows; this thread's two rows within them.
    const std::int64_t wgrow0 = row0 + wg * 64;
    const bool active = wgrow0 < geo.rows;  // fwd_active_units
    int kend[2];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        const std::int64_t v = wgrow0 + warp * 16 + lane / 4 + 8 * h;
        kend[h] = int(v < geo.rows ? key_end(v / geo.hpg, p.seq_q, p.seq_k, p.causal) : p.seq_k);
    }
    const std::int64_t wg_kmin = key_end(wgrow0 / geo.hpg, p.seq_q, p.seq_k, p.causal);

    float s[64], o[64];
#pragma unroll
    for (int i = 0; i < 64; ++i) s[i] = o[i] = 0.f;
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};

    for (std::int64_t j = range.begin; j < range.end; ++j) {
        const int buf = int((j - range.begin) & 1);
        if (j + 1 < range.end) {
            load_kv(k_tile(buf ^ 1), p.k, (j + 1) * Bc, p, b, g);
            load_kv(v_tile(buf ^ 1), p.v, (j + 1) * Bc, p, b, g);
        }
        ptx::cp_async_commit();
        ptx::cp_async_wait<1>();
        fence_proxy_async();  // this thread's copies -> visible to wgmma after the barrier
        __syncthreads();

        if (active) {
            const std::uint32_t kt = k_tile(buf), vt = v_tile(buf);
            // S = Q K^T. Q and K are two 64-column (128-byte) swizzle atoms wide: k steps 0-3 in
            // the first, 4-7 in the second; within an atom a k16 step is 32 bytes in.
            ptx90::wgmma_fence();
#pragma unroll
            for (int kk = 0; kk < D / 16; ++kk) {
                const std::uint32_t atom = std::uint32_t(kk / 4) * (128 * 128),
                                    in = std::uint32_t(kk % 4) * 32;
                const std::uint64_t da =
                    ptx90::sw128_desc(sq + atom + std::uint32_t(wg) * 64 * 128 + in, 16, 1024);
                const std::uint64_t db = ptx90::sw128_desc(kt + atom + in, 16, 1024);
                wgmma_ss_m64n128k16<T>(s, da, db, kk > 0 ? 1 : 0);
            }
            ptx90::wgmma_commit();
            ptx90::wgmma_wait<0>();
#pragma unroll
            for (int i = 0; i < 64; ++i) asm volatile("" : "+f"(s[i])::"memory");

            // Scale, mask, online softmax. s[4c + 2h + e]: row 16*warp + lane/4 + 8h, key 8c +
            // 2*(lane%4) + e.
            const std::int64_t key0 = j * Bc;
            const bool mask = (key0 + Bc > wg_kmin) || (key0 + Bc > p.seq_k);
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                float mx = -INFINITY;
#pragma unroll
                for (int c = 0; c < Bc / 8; ++c)
#pragma unroll
                    for (int e = 0; e < 2; ++e) {
                        float x = s[4 * c + 2 * h + e] * p.scale_log2;
                        if (mask && int(key0) + 8 * c + 2 * (lane % 4) + e >= kend[h])
                            x = -INFINITY;
                        s[4 * c + 2 * h + e] = x;
                        mx = fmaxf(mx, x);
                    }
                mx = quad_max(mx);
                const float m_new = fmaxf(m[h], mx);
                const float m_use = m_new == -INFINITY ? 0.f : m_new;
                const float alpha = exp2f(m[h] - m_use);
                m[h] = m_new;
                float sum = 0.f;
#pragma unroll
                for (int c = 0; c < Bc / 8; ++c)
#pragma unroll
                    for (int e = 0; e < 2; ++e) {
                        const float pe = exp2f(s[4 * c + 2 * h + e] - m_use);
                        s[4 * c + 2 * h + e] = pe;
                        sum += pe;
                    }
                l[h] = l[h] * alpha + sum;
#pragma unroll
                for (int c = 0; c < D / 8; ++c) {
                    o[4 * c + 2 * h] *= alpha;
                    o[4 * c + 2 * h + 1] *= alpha;
                }
            }

            // O += P V. The A registers of k step kk are the S accumulators of key chunks 2kk,
            // 2kk+1.
            std::uint32_t pa[Bc / 16][4];
#pragma unroll
            for (int kk = 0; kk < Bc / 16; ++kk) {
                pa[kk][0] = ptx::pack2<T>(s[8 * kk + 0], s[8 * kk + 1]);
                pa[kk][1] = ptx::pack2<T>(s[8 * kk + 2], s[8 * kk + 3]);
                pa[kk][2] = ptx::pack2<T>(s[8 * kk + 4], s[8 * kk + 5]);
                pa[kk][3] = ptx::pack2<T>(s[8 * kk + 6], s[8 * kk + 7]);
            }
            ptx90::wgmma_fence();
#pragma unroll
            for (int kk = 0; kk < Bc / 16; ++kk) {
                // V is [key][d]: MN-major for this product; 64-wide d atoms 16 KiB apart (LBO),
                // 8-key groups 1 KiB apart (SBO), a k16 step is 16 keys (2 KiB) down.
                const std::uint64_t db =
                    ptx90::sw128_desc(vt + std::uint32_t(kk) * 16 * 128, 128 * 128, 1024);
                wgmma_rs_m64n128k16_tb<T>(o, pa[kk], db);
            }
            ptx90::wgmma_commit();
            ptx90::wgmma_wait<0>();
#pragma unroll
            for (int i = 0; i < 64; ++i) asm volatile("" : "+f"(o[i])::"memory");
#pragma unroll
            for (int kk = 0; kk < Bc / 16; ++kk)
                asm volatile(""
                             : "+r"(pa[kk][0]), "+r"(pa[kk][1]), "+r"(pa[kk][2]),
                               "+r"(pa[kk][3])::"memory");
        }
        __syncthreads();  // the next iteration refills the buffer just read
    }
    ptx::cp_async_wait<0>();
    if (!active) return;

#pragma unroll
    for (int h = 0; h < 2; ++h) {
        const float lt = quad_sum(l[h]);
        const std::int64_t v = wgrow0 + warp * 16 + lane / 4 + 8 * h;
        if (v >= geo.rows) continue;
        const std::int64_t qi = v / geo.hpg, hd = g * geo.hpg + v % geo.hpg;
        const float inv = lt > 0.f ? 1.f / lt : 0.f;
        const float lse =
            (m[h] == -INFINITY || !(lt > 0.f)) ? -INFINITY : (m[h] + log2f(lt)) * kLn2;
        if (geo.splits == 1) {
            T* orow = static_cast<T*>(p.o) + ((b * p.seq_q + qi) * p.heads + hd) * D;
#pragma unroll
            for (int c = 0; c < D / 8; ++c)
                *reinterpret_cast<std::uint32_t*>(orow + 8 * c + 2 * (lane % 4)) =
                    ptx::pack2<T>(o[4 * c + 2 * h] * inv, o[4 * c + 2 * h + 1] * inv);
            if (lane % 4 == 0) p.lse[(b * p.heads + hd) * p.seq_q + qi] = lse;
        } else {
            const std::int64_t prow =
                ((std::int64_t(split) * p.batch + b) * p.heads + hd) * p.seq_q + qi;
            float* orow = p.o_part + prow * D;
#pragma unroll
            for (int c = 0; c < D / 8; ++c)
                *reinterpret_cast<float2*>(orow + 8 * c + 2 * (lane % 4)) =
                    make_float2(o[4 * c + 2 * h] * inv, o[4 * c + 2 * h + 1] * inv);
            if (lane % 4 == 0) p.lse_part[prow] = lse;
        }
    }
#else
    (void)p;
    __trap();  // never launched: flash_fwd_sm90_runnable() is false outside the sm_90a binary
#endif
}

template <class T>
void launch_typed(const GpuAttentionProblem& pr, const FlashFwdLaunch& a, cudaStream_t s) {
    Sm90Args p{static_cast<const std::uint16_t*>(a.q),
               static_cast<const std::uint16_t*>(a.k),
               static_cast<const std::uint16_t*>(a.v),
               a.o,
               a.lse,
               a.o_part,
               a.lse_part,
               pr.batch,
               pr.heads,
               pr.kv_heads,
               pr.seq_q,
               pr.seq_k,
               fwd_geometry(pr.heads, pr.kv_heads, pr.seq_q, pr.seq_k, a.splits, kFwdSm90),
               pr.causal,
               float(1.0 / std::sqrt(double(pr.head_dim))) * kLog2e};
    auto* k = flash_fwd_sm90_kernel<T>;
    static bool configured = false;
    if (!configured) {
        cuda_check(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemBytes),
                   "cudaFuncSetAttribute(flash_fwd_sm90)");
        configured = true;
    }
    const dim3 grid(unsigned(p.g.m_blocks), unsigned(pr.batch * pr.kv_heads), unsigned(a.splits));
    k<<<grid, kThreads, kSmemBytes, s>>>(p);
    cuda_check_launch("flash_fwd_sm90");
    if (a.splits > 1) launch_flash_combine(pr, a.o_part, a.lse_part, a.splits, a.o, a.lse, s);
}

}  // namespace

bool flash_fwd_sm90_runnable() {
    cudaFuncAttributes attr{};
    if (cudaFuncGetAttributes(&attr, flash_fwd_sm90_kernel<__nv_bfloat16>) != cudaSuccess) {
        cudaGetLastError();
        return false;
    }
    return attr.binaryVersion == 90;
}

void launch_flash_fwd_sm90(const GpuAttentionProblem& p, const FlashFwdLaunch& a, cudaStream_t s) {
    if (p.dtype == GpuStorage::bf16)
        launch_typed<__nv_bfloat16>(p, a, s);
    else
        launch_typed<__half>(p, a, s);
}

}  // namespace flopmeter
