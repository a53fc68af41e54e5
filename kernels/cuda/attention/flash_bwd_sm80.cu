// flash_bwd_sm80_64x64: fused attention backward (FlashAttention-2 style) on the tensor cores
// with mma.sync (sm_80 and later), bf16/fp16, head_dim 64 or 128, causal or not, grouped-query.
// Model FLOPs 2.5x the forward's (core/flops.hpp); executed FLOPs flash_bwd_executed_flops
// (five 64x64xD products per computed tile pair, recomputation of S included).
//
// Algorithm: three kernels.
//  1. delta = rowsum(dO * O) per (batch, head, query), fp32; dQ's fp32 accumulator is zeroed.
//  2. The main pass: a block of 8 warps owns 64 keys of one (batch, kv head) and keeps K and V
//     in shared memory and dK, dV in registers; it loops over the query heads of the group and
//     over 64-query blocks (from the first one that sees its keys, for causal), with Q and dO
//     double-buffered by cp.async. Per query block:
//       S = Q K^T, dP = dO V^T           warp w: queries 16*(w%4).., keys 32*(w/4)..
//       P = exp(S*scale - LSE), dS = P * (dP - delta), masked entries 0 -> shared memory
//       dV += P^T dO, dK += dS^T Q       warp w: keys 16*(w%4).., head dims D/2*(w/4)..
//       dQ += dS K                       warp w: queries 16*(w%4).., head dims D/2*(w/4)..,
//                                        added to the fp32 accumulator with atomics
//     P^T and dS^T come from the same shared tiles through ldmatrix.trans. dK is scaled and
//     dK, dV written once, in the input type (each kv head's block sums its whole group).
//  3. dQ = scale * accumulator, converted to the input type.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>

#include "kernels/cuda/attention/flash_attention.hpp"
#include "kernels/cuda/attention/flash_plan.hpp"
#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/ptx_sm80.cuh"
#include "kernels/cuda/common/tile_layout.hpp"

namespace flopmeter {

namespace {

using namespace cuda_tile;
using namespace cuda_attn;
constexpr int Br = kBwdBr, Bc = kBwdBc, kThreads = kBwdWarps * 32;
constexpr float kLog2e = 1.4426950408889634f;

struct BwdArgs {
    const std::uint16_t* q;
    const std::uint16_t* k;
    const std::uint16_t* v;
    const std::uint16_t* o;
    const std::uint16_t* d_o;
    const float* lse;
    void* dq;
    void* dk;
    void* dv;
    float* dq_accum;
    float* delta;
    std::int64_t batch, heads, kv_heads, seq_q, seq_k, hpg;
    bool causal;
    float scale, scale_log2;
};

template <int D>
constexpr int bwd_smem_bytes() {
    return (2 * Bc + 4 * Br) * D * 2 + 2 * Br * Bc * 2;  // K, V, Q[2], dO[2], P, dS
}

// delta[b, h, q] = sum_d dO * O: one warp per row.
template <class T, int D>
__global__ void flash_bwd_delta_kernel(BwdArgs p) {
    const std::int64_t row =
        std::int64_t(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;  // (b*seq_q + q)*heads + h
    const int lane = int(threadIdx.x) % 32;
    if (row >= p.batch * p.seq_q * p.heads) return;
    const T* o = reinterpret_cast<const T*>(p.o) + row * D;
    const T* d = reinterpret_cast<const T*>(p.d_o) + row * D;
    float acc = 0.f;
    for (int i = lane; i < D; i += 32) acc += ptx::to_float<T>(o[i]) * ptx::to_float<T>(d[i]);
#pragma unroll
    for (int off = 16; off > 0; off /= 2) acc += __shfl_xor_sync(0xffffffffu, acc, off);
    if (lane == 0) {
        const std::int64_t h = row % p.heads, bq = row / p.heads, q = bq % p.seq_q,
                           b = bq / p.seq_q;
        p.delta[(b * p.heads + h) * p.seq_q + q] = acc;
    }
}

template <class T, int D>
__global__ void flash_bwd_dq_convert_kernel(BwdArgs p, std::int64_t n) {
    T* dq = static_cast<T*>(p.dq);
    const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
    for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
        dq[i] = ptx::from_float<T>(p.dq_accum[i] * p.scale);
}

// Rows row0.. of a [rows][D] tile of a BSHD tensor (seq, heads as given) into shared memory.
template <int ROWS, int D>
__device__ __forceinline__ void load_rows(std::uint32_t dst, const std::uint16_t* base,
                                          std::int64_t row0, std::int64_t seq, std::int64_t nheads,
                                          std::int64_t b, std::int64_t h) {
    constexpr int kChunks = ROWS * D / 8;
#pragma unroll
    for (int i = 0; i < kChunks / kThreads; ++i) {
        const RowCol rc = chunk_coords<D>(int(threadIdx.x) + i * kThreads);
        const std::int64_t r = row0 + rc.row;
        const bool ok = r < seq;
        const std::uint16_t* src = ok ? base + ((b * seq + r) * nheads + h) * D + rc.col : base;
        ptx::cp_async_16(dst + sw128_offset<ROWS>(rc.row, rc.col), src, ok);
    }
}

template <class T, int D>
__global__ void __launch_bounds__(kThreads, 1) flash_bwd_sm80_kernel(BwdArgs p) {
    extern __shared__ __align__(128) unsigned char smem_raw[];
    constexpr std::uint32_t kRowTile = Br * D * 2, kKvTile = Bc * D * 2, kPTile = Br * Bc * 2;
    const std::uint32_t base = ptx::smem_u32(smem_raw);
    const std::uint32_t sK = base, sV = base + kKvTile;
    auto sQ = [&](int buf) { return base + 2 * kKvTile + std::uint32_t(buf) * 2 * kRowTile; };
    auto sdO = [&](int buf) {
        return base + 2 * kKvTile + std::uint32_t(buf) * 2 * kRowTile + kRowTile;
    };
    const std::uint32_t sP = base + 2 * kKvTile + 4 * kRowTile, sdS = sP + kPTile;

    const std::int64_t kb = blockIdx.x, g = blockIdx.y, b = blockIdx.z;
    const std::int64_t key0 = kb * Bc;
    const int warp = int(threadIdx.x) / 32, lane = int(threadIdx.x) % 32;
    const int wr = warp % 4, wc = warp / 4;  // row group (16) and column half

    load_rows<Bc, D>(sK, p.k, key0, p.seq_k, p.kv_heads, b, g);
    load_rows<Bc, D>(sV, p.v, key0, p.seq_k, p.kv_heads, b, g);

    const std::int64_t nq = cdiv(p.seq_q, Br);
    const std::int64_t qb_first = bwd_first_q_block(kb, p.seq_q, p.seq_k, p.causal);
    const std::int64_t per_head = nq - qb_first;
    const std::int64_t steps = per_head * p.hpg;
    auto step_head = [&](std::int64_t t) { return g * p.hpg + t / per_head; };
    auto step_qblock = [&](std::int64_t t) { return qb_first + t % per_head; };

    if (steps > 0) {
        load_rows<Br, D>(sQ(0), p.q, step_qblock(0) * Br, p.seq_q, p.heads, b, step_head(0));
        load_rows<Br, D>(sdO(0), p.d_o, step_qblock(0) * Br, p.seq_q, p.heads, b, step_head(0));
    }
    ptx::cp_async_commit();

    constexpr int kDT = D / 16;  // n8 tiles in a warp's D/2 columns
    float dk[kDT][4], dv[kDT][4];
#pragma unroll
    for (int t = 0; t < kDT; ++t)
#pragma unroll
        for (int e = 0; e < 4; ++e) dk[t][e] = dv[t][e] = 0.f;

    for (std::int64_t t = 0; t < steps; ++t) {
        const int buf = int(t & 1);
        if (t + 1 < steps) {
            load_rows<Br, D>(sQ(buf ^ 1), p.q, step_qblock(t + 1) * Br, p.seq_q, p.heads, b,
                             step_head(t + 1));
            load_rows<Br, D>(sdO(buf ^ 1), p.d_o, step_qblock(t + 1) * Br, p.seq_q, p.heads, b,
                             step_head(t + 1));
        }
        ptx::cp_async_commit();
        ptx::cp_async_wait<1>();
        __syncthreads();

        const std::int64_t h = step_head(t), q0 = step_qblock(t) * Br;
        const std::uint32_t qt = sQ(buf), dot = sdO(buf);

        // S = Q K^T and dP = dO V^T: 16 queries x 32 keys per warp.
        float s[4][4], dp[4][4];
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int e = 0; e < 4; ++e) s[i][e] = dp[i][e] = 0.f;
#pragma unroll
        for (int kk = 0; kk < D / 16; ++kk) {
            const RowCol a = ldsm_a_mk(lane);
            std::uint32_t qa[4], da[4];
            ptx::ldsm_x4(qa, qt + sw128_offset<Br>(wr * 16 + a.row, kk * 16 + a.col));
            ptx::ldsm_x4(da, dot + sw128_offset<Br>(wr * 16 + a.row, kk * 16 + a.col));
#pragma unroll
            for (int np = 0; np < 2; ++np) {
                const RowCol bl = ldsm_b_nk(lane);
                std::uint32_t rk[4], rv[4];
                ptx::ldsm_x4(rk,
                             sK + sw128_offset<Bc>(wc * 32 + np * 16 + bl.row, kk * 16 + bl.col));
                ptx::ldsm_x4(rv,
                             sV + sw128_offset<Bc>(wc * 32 + np * 16 + bl.row, kk * 16 + bl.col));
                ptx::mma_16816<T>(s[2 * np], qa, rk[0], rk[1]);
                ptx::mma_16816<T>(s[2 * np + 1], qa, rk[2], rk[3]);
                ptx::mma_16816<T>(dp[2 * np], da, rv[0], rv[1]);
                ptx::mma_16816<T>(dp[2 * np + 1], da, rv[2], rv[3]);
            }
        }

        // P and dS, masked, to shared memory as [query][key].
#pragma unroll
        for (int hh = 0; hh < 2; ++hh) {
            const int ql = wr * 16 + lane / 4 + 8 * hh;
            const std::int64_t qi = q0 + ql;
            const bool qok = qi < p.seq_q;
            const std::int64_t kend = qok ? key_end(qi, p.seq_q, p.seq_k, p.causal) : 0;
            const float lse2 = qok ? p.lse[(b * p.heads + h) * p.seq_q + qi] * kLog2e : 0.f;
            const float dlt = qok ? p.delta[(b * p.heads + h) * p.seq_q + qi] : 0.f;
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const int kl = wc * 32 + 8 * i + 2 * (lane % 4);
                float pv[2], dsv[2];
#pragma unroll
                for (int e = 0; e < 2; ++e) {
                    const bool ok = key0 + kl + e < kend;
                    pv[e] = ok ? exp2f(s[i][2 * hh + e] * p.scale_log2 - lse2) : 0.f;
                    dsv[e] = pv[e] * (dp[i][2 * hh + e] - dlt);
                }
                asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(sP + sw128_offset<Br>(ql, kl)),
                             "r"(ptx::pack2<T>(pv[0], pv[1])));
                asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(sdS + sw128_offset<Br>(ql, kl)),
                             "r"(ptx::pack2<T>(dsv[0], dsv[1])));
            }
        }
        __syncthreads();

        // dV += P^T dO and dK += dS^T Q: 16 keys x D/2 per warp, k-dim = queries.
#pragma unroll
        for (int kq = 0; kq < Br / 16; ++kq) {
            const RowCol at = ldsm_a_km_trans(lane);
            std::uint32_t pa[4], sa[4];
            ptx::ldsm_x4_trans(pa, sP + sw128_offset<Br>(kq * 16 + at.row, wr * 16 + at.col));
            ptx::ldsm_x4_trans(sa, sdS + sw128_offset<Br>(kq * 16 + at.row, wr * 16 + at.col));
#pragma unroll
            for (int dpi = 0; dpi < kDT / 2; ++dpi) {
                const RowCol bl = ldsm_b_kn_trans(lane);
                std::uint32_t rd[4], rq[4];
                const int col = wc * (D / 2) + dpi * 16 + bl.col;
                ptx::ldsm_x4_trans(rd, dot + sw128_offset<Br>(kq * 16 + bl.row, col));
                ptx::ldsm_x4_trans(rq, qt + sw128_offset<Br>(kq * 16 + bl.row, col));
                ptx::mma_16816<T>(dv[2 * dpi], pa, rd[0], rd[1]);
                ptx::mma_16816<T>(dv[2 * dpi + 1], pa, rd[2], rd[3]);
                ptx::mma_16816<T>(dk[2 * dpi], sa, rq[0], rq[1]);
                ptx::mma_16816<T>(dk[2 * dpi + 1], sa, rq[2], rq[3]);
            }
        }

        // dQ += dS K: 16 queries x D/2 per warp, k-dim = keys; added to the fp32 accumulator.
        {
            float dq[kDT][4];
#pragma unroll
            for (int i = 0; i < kDT; ++i)
#pragma unroll
                for (int e = 0; e < 4; ++e) dq[i][e] = 0.f;
#pragma unroll
            for (int kk = 0; kk < Bc / 16; ++kk) {
                const RowCol a = ldsm_a_mk(lane);
                std::uint32_t sa[4];
                ptx::ldsm_x4(sa, sdS + sw128_offset<Br>(wr * 16 + a.row, kk * 16 + a.col));
#pragma unroll
                for (int dpi = 0; dpi < kDT / 2; ++dpi) {
                    const RowCol bl = ldsm_b_kn_trans(lane);
                    std::uint32_t rk[4];
                    ptx::ldsm_x4_trans(rk, sK + sw128_offset<Bc>(kk * 16 + bl.row,
                                                                 wc * (D / 2) + dpi * 16 + bl.col));
                    ptx::mma_16816<T>(dq[2 * dpi], sa, rk[0], rk[1]);
                    ptx::mma_16816<T>(dq[2 * dpi + 1], sa, rk[2], rk[3]);
                }
            }
#pragma unroll
            for (int hh = 0; hh < 2; ++hh) {
                const std::int64_t qi = q0 + wr * 16 + lane / 4 + 8 * hh;
                if (qi >= p.seq_q) continue;
                float* row = p.dq_accum + ((b * p.seq_q + qi) * p.heads + h) * D + wc * (D / 2) +
                             2 * (lane % 4);
#pragma unroll
                for (int i = 0; i < kDT; ++i) {
                    atomicAdd(row + 8 * i, dq[i][2 * hh]);
                    atomicAdd(row + 8 * i + 1, dq[i][2 * hh + 1]);
                }
            }
        }
        __syncthreads();  // P, dS and this buffer are rewritten next step
    }
    ptx::cp_async_wait<0>();

    // dK = scale * sum_h dS^T Q, dV = sum_h P^T dO, in the input type.
#pragma unroll
    for (int hh = 0; hh < 2; ++hh) {
        const std::int64_t key = key0 + wr * 16 + lane / 4 + 8 * hh;
        if (key >= p.seq_k) continue;
        const std::int64_t off =
            ((b * p.seq_k + key) * p.kv_heads + g) * D + wc * (D / 2) + 2 * (lane % 4);
        T* dkr = static_cast<T*>(p.dk) + off;
        T* dvr = static_cast<T*>(p.dv) + off;
#pragma unroll
        for (int i = 0; i < kDT; ++i) {
            *reinterpret_cast<std::uint32_t*>(dkr + 8 * i) =
                ptx::pack2<T>(dk[i][2 * hh] * p.scale, dk[i][2 * hh + 1] * p.scale);
            *reinterpret_cast<std::uint32_t*>(dvr + 8 * i) =
                ptx::pack2<T>(dv[i][2 * hh], dv[i][2 * hh + 1]);
        }
    }
}

template <class T, int D>
void launch_typed(const GpuAttentionProblem& pr, const FlashBwdLaunch& a, cudaStream_t s) {
    const float scale = float(1.0 / std::sqrt(double(pr.head_dim)));
    BwdArgs p{static_cast<const std::uint16_t*>(a.q),
              static_cast<const std::uint16_t*>(a.k),
              static_cast<const std::uint16_t*>(a.v),
              static_cast<const std::uint16_t*>(a.o),
              static_cast<const std::uint16_t*>(a.d_o),
              a.lse,
              a.dq,
              a.dk,
              a.dv,
              a.dq_accum,
              a.delta,
              pr.batch,
              pr.heads,
              pr.kv_heads,
              pr.seq_q,
              pr.seq_k,
              pr.heads / pr.kv_heads,
              pr.causal,
              scale,
              scale * kLog2e};
    const std::int64_t q_elems = pr.batch * pr.seq_q * pr.heads * D;
    cuda_check(cudaMemsetAsync(a.dq_accum, 0, std::size_t(q_elems) * sizeof(float), s),
               "zeroing the dQ accumulator");
    const std::int64_t rows = pr.batch * pr.seq_q * pr.heads;
    flash_bwd_delta_kernel<T, D><<<unsigned(cdiv(rows, 8)), 256, 0, s>>>(p);
    cuda_check_launch("flash_bwd_delta");

    auto* k = flash_bwd_sm80_kernel<T, D>;
    constexpr int smem = bwd_smem_bytes<D>();
    static bool configured = false;
    if (!configured) {
        cuda_check(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, smem),
                   "cudaFuncSetAttribute(flash_bwd_sm80)");
        configured = true;
    }
    const dim3 grid(unsigned(cdiv(pr.seq_k, Bc)), unsigned(pr.kv_heads), unsigned(pr.batch));
    k<<<grid, kThreads, smem, s>>>(p);
    cuda_check_launch("flash_bwd_sm80");

    const std::int64_t blocks = imin(cdiv(q_elems, 256), 65536);
    flash_bwd_dq_convert_kernel<T, D><<<unsigned(blocks), 256, 0, s>>>(p, q_elems);
    cuda_check_launch("flash_bwd_dq_convert");
}

}  // namespace

void launch_flash_bwd_sm80(const GpuAttentionProblem& p, const FlashBwdLaunch& a, cudaStream_t s) {
    const bool bf = p.dtype == GpuStorage::bf16;
    if (p.head_dim == 128) {
        if (bf)
            launch_typed<__nv_bfloat16, 128>(p, a, s);
        else
            launch_typed<__half, 128>(p, a, s);
    } else {
        if (bf)
            launch_typed<__nv_bfloat16, 64>(p, a, s);
        else
            launch_typed<__half, 64>(p, a, s);
    }
}

}  // namespace flopmeter
