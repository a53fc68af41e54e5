// flash_fwd_sm80_128x64: fused attention forward (FlashAttention-2 style) on the tensor cores
// with mma.sync (sm_80 and later), bf16/fp16, head_dim 64 or 128, causal or not, grouped-query
// and decode (flash_plan.hpp: rows, splits). Model FLOPs 2*B*H*P*(D+Dv), P the unmasked
// (query, key) pairs (core/flops.hpp); executed FLOPs flash_fwd_executed_flops.
//
// Algorithm: a block of 8 warps owns 128 rows (query, head) of one (batch, kv head); each warp
// owns 16 rows, keeps their Q fragments in registers (D/16 x 4 registers) and an fp32 O
// accumulator (D/8 mma tiles). Key/value tiles of 64 keys stream through a two-stage
// cp.async double buffer in the Sw128 shared layout (tile_layout.hpp). Per key tile a warp
//   S = Q K^T            (ldmatrix of K as [key][d], D/16 x 8 mma.m16n8k16)
//   mask, online softmax (running row max m and sum l in log2 units: exp2 of S*scale*log2e;
//                         the 4 lanes of a row combine with two xor shuffles)
//   O = O*exp2(m_old-m) + P V   (P's accumulators become A fragments in registers without a
//                         trip through shared memory; V read with ldmatrix.trans)
// and the block then writes O/l and LSE = (m + log2 l) * ln 2; with splits, unnormalised
// partials go to fp32 scratch for flash_combine. Causal blocks stop at the last key their
// last row sees; only warps whose tile crosses the diagonal (or the end of the keys) mask.
// Splits are merged by flash_combine.cu.
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
constexpr int Br = kFwdBr, Bc = kFwdBc, kThreads = kFwdWarps * 32;
constexpr float kLog2e = 1.4426950408889634f, kLn2 = 0.6931471805599453f;

struct FwdArgs {
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
    float scale_log2;  // softmax scale * log2(e)
};

template <int D>
constexpr int fwd_smem_bytes() {
    return (Br + 4 * Bc) * D * 2;  // Q, then K[2] and V[2]
}

__device__ __forceinline__ float quad_max(float x) {
    x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
    return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}
__device__ __forceinline__ float quad_sum(float x) {
    x += __shfl_xor_sync(0xffffffffu, x, 1);
    return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

// One [ROWS][D] tile of K or V rows key0.. (zero beyond seq_k) into shared memory.
template <int D>
__device__ __forceinline__ void load_kv_tile(std::uint32_t dst, const std::uint16_t* base,
                                             std::int64_t key0, const FwdArgs& p, std::int64_t b,
                                             std::int64_t g) {
    constexpr int kChunks = Bc * D / 8;
#pragma unroll
    for (int i = 0; i < kChunks / kThreads; ++i) {
        const RowCol rc = chunk_coords<D>(int(threadIdx.x) + i * kThreads);
        const std::int64_t key = key0 + rc.row;
        const bool ok = key < p.seq_k;
        const std::uint16_t* src =
            ok ? base + ((b * p.seq_k + key) * p.kv_heads + g) * D + rc.col : base;
        ptx::cp_async_16(dst + sw128_offset<Bc>(rc.row, rc.col), src, ok);
    }
}

template <class T, int D>
__global__ void __launch_bounds__(kThreads, 1) flash_fwd_sm80_kernel(FwdArgs p) {
    extern __shared__ __align__(128) unsigned char smem_raw[];
    const std::uint32_t sq = ptx::smem_u32(smem_raw);
    const std::uint32_t sk0 = sq + Br * D * 2;
    auto k_tile = [&](int buf) { return sk0 + std::uint32_t(buf) * 2 * Bc * D * 2; };
    auto v_tile = [&](int buf) { return sk0 + std::uint32_t(buf) * 2 * Bc * D * 2 + Bc * D * 2; };

    const std::int64_t mb = blockIdx.x;
    const std::int64_t b = blockIdx.y / p.kv_heads, g = blockIdx.y % p.kv_heads;
    const int split = int(blockIdx.z);
    const FwdGeometry& geo = p.g;
    const int warp = int(threadIdx.x) / 32, lane = int(threadIdx.x) % 32;
    const std::int64_t row0 = mb * Br;

    // Q rows: row v -> (query v / hpg, head g*hpg + v % hpg); zero past the last row.
    {
        constexpr int kChunks = Br * D / 8;
#pragma unroll
        for (int i = 0; i < kChunks / kThreads; ++i) {
            const RowCol rc = chunk_coords<D>(int(threadIdx.x) + i * kThreads);
            const std::int64_t v = row0 + rc.row;
            const bool ok = v < geo.rows;
            const std::int64_t qi = v / geo.hpg, h = g * geo.hpg + v % geo.hpg;
            const std::uint16_t* src =
                ok ? p.q + ((b * p.seq_q + qi) * p.heads + h) * D + rc.col : p.q;
            ptx::cp_async_16(sq + sw128_offset<Br>(rc.row, rc.col), src, ok);
        }
    }
    const std::int64_t needed = fwd_kv_blocks_needed(geo, mb, p.seq_q, p.seq_k, p.causal);
    const BlockRange range = fwd_split_range(needed, split, geo.splits);
    if (range.begin < range.end) {
        load_kv_tile<D>(k_tile(0), p.k, range.begin * Bc, p, b, g);
        load_kv_tile<D>(v_tile(0), p.v, range.begin * Bc, p, b, g);
    }
    ptx::cp_async_commit();

    // This thread's two rows (mma C fragment rows lane/4 and lane/4 + 8 of the warp's 16).
    const std::int64_t wrow0 = row0 + warp * 16;
    const bool active = wrow0 < geo.rows;  // fwd_active_units: this warp has a row
    int kend[2];  // keys are indexed in 32 bits inside a block (seq_k < 2^31)
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        const std::int64_t v = wrow0 + lane / 4 + 8 * h;
        kend[h] = int(v < geo.rows ? key_end(v / geo.hpg, p.seq_q, p.seq_k, p.causal) : p.seq_k);
    }
    // Keys every row of this warp sees (masking is skipped for key blocks below it).
    const std::int64_t warp_kmin = key_end(wrow0 / geo.hpg, p.seq_q, p.seq_k, p.causal);

    // Q fragments live in registers for D = 64; for D = 128 they are reloaded from shared
    // memory per key tile (8 more ldmatrix per 64 mma), which keeps O, S and the pipeline within
    // the register file without spilling.
    constexpr bool kQInRegs = D <= 64;
    std::uint32_t qf[kQInRegs ? D / 16 : 1][4];
    float o[D / 8][4];
#pragma unroll
    for (int t = 0; t < D / 8; ++t)
#pragma unroll
        for (int e = 0; e < 4; ++e) o[t][e] = 0.f;
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};

    for (std::int64_t j = range.begin; j < range.end; ++j) {
        const int buf = int((j - range.begin) & 1);
        if (j + 1 < range.end) {
            load_kv_tile<D>(k_tile(buf ^ 1), p.k, (j + 1) * Bc, p, b, g);
            load_kv_tile<D>(v_tile(buf ^ 1), p.v, (j + 1) * Bc, p, b, g);
        }
        ptx::cp_async_commit();
        ptx::cp_async_wait<1>();
        __syncthreads();

        if (active) {
            if (kQInRegs && j == range.begin) {
#pragma unroll
                for (int kk = 0; kk < (kQInRegs ? D / 16 : 1); ++kk) {
                    const RowCol a = ldsm_a_mk(lane);
                    ptx::ldsm_x4(qf[kk], sq + sw128_offset<Br>(warp * 16 + a.row, kk * 16 + a.col));
                }
            }
            // S = Q K^T for 16 rows x 64 keys.
            float s[Bc / 8][4];
#pragma unroll
            for (int t = 0; t < Bc / 8; ++t)
#pragma unroll
                for (int e = 0; e < 4; ++e) s[t][e] = 0.f;
            const std::uint32_t kt = k_tile(buf), vt = v_tile(buf);
#pragma unroll
            for (int kk = 0; kk < D / 16; ++kk) {
                std::uint32_t qa[4];
                if (kQInRegs) {
#pragma unroll
                    for (int i = 0; i < 4; ++i) qa[i] = qf[kQInRegs ? kk : 0][i];
                } else {
                    const RowCol a = ldsm_a_mk(lane);
                    ptx::ldsm_x4(qa, sq + sw128_offset<Br>(warp * 16 + a.row, kk * 16 + a.col));
                }
#pragma unroll
                for (int np = 0; np < Bc / 16; ++np) {
                    std::uint32_t r[4];
                    const RowCol bl = ldsm_b_nk(lane);
                    ptx::ldsm_x4(r, kt + sw128_offset<Bc>(np * 16 + bl.row, kk * 16 + bl.col));
                    ptx::mma_16816<T>(s[2 * np], qa, r[0], r[1]);
                    ptx::mma_16816<T>(s[2 * np + 1], qa, r[2], r[3]);
                }
            }

            // Scale to log2 units, mask, online softmax.
            const std::int64_t key0 = j * Bc;
            const bool mask = (key0 + Bc > warp_kmin) || (key0 + Bc > p.seq_k);
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                float mx = -INFINITY;
#pragma unroll
                for (int t = 0; t < Bc / 8; ++t)
#pragma unroll
                    for (int e = 0; e < 2; ++e) {
                        float x = s[t][2 * h + e] * p.scale_log2;
                        if (mask && int(key0) + 8 * t + 2 * (lane % 4) + e >= kend[h])
                            x = -INFINITY;
                        s[t][2 * h + e] = x;
                        mx = fmaxf(mx, x);
                    }
                mx = quad_max(mx);
                const float m_new = fmaxf(m[h], mx);
                const float m_use =
                    m_new == -INFINITY ? 0.f : m_new;  // a row with nothing visible yet
                const float alpha = exp2f(m[h] - m_use);
                m[h] = m_new;
                float sum = 0.f;
#pragma unroll
                for (int t = 0; t < Bc / 8; ++t)
#pragma unroll
                    for (int e = 0; e < 2; ++e) {
                        const float pe = exp2f(s[t][2 * h + e] - m_use);
                        s[t][2 * h + e] = pe;
                        sum += pe;
                    }
                l[h] = l[h] * alpha + sum;
#pragma unroll
                for (int t = 0; t < D / 8; ++t) {
                    o[t][2 * h] *= alpha;
                    o[t][2 * h + 1] *= alpha;
                }
            }

            // O += P V: P's accumulators as A fragments; V as [key][d] = [k][n] via ldmatrix.trans.
#pragma unroll
            for (int kk = 0; kk < Bc / 16; ++kk) {
                std::uint32_t pa[4];
#pragma unroll
                for (int reg = 0; reg < 4; ++reg) {
                    const int t = c_to_a_tile(kk, reg), e = c_to_a_first_idx(reg);
                    pa[reg] = ptx::pack2<T>(s[t][e], s[t][e + 1]);
                }
#pragma unroll
                for (int dp = 0; dp < D / 16; ++dp) {
                    std::uint32_t r[4];
                    const RowCol bl = ldsm_b_kn_trans(lane);
                    ptx::ldsm_x4_trans(r,
                                       vt + sw128_offset<Bc>(kk * 16 + bl.row, dp * 16 + bl.col));
                    ptx::mma_16816<T>(o[2 * dp], pa, r[0], r[1]);
                    ptx::mma_16816<T>(o[2 * dp + 1], pa, r[2], r[3]);
                }
            }
        }
        __syncthreads();  // the next iteration refills the buffer just read
    }
    ptx::cp_async_wait<0>();
    if (!active) return;

        // Epilogue: normalise, write O (or the split's partial) and the log-sum-exp.
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        const float lt = quad_sum(l[h]);
        const std::int64_t v = wrow0 + lane / 4 + 8 * h;
        if (v >= geo.rows) continue;
        const std::int64_t qi = v / geo.hpg, hd = g * geo.hpg + v % geo.hpg;
        const float inv = lt > 0.f ? 1.f / lt : 0.f;
        const float lse =
            (m[h] == -INFINITY || !(lt > 0.f)) ? -INFINITY : (m[h] + log2f(lt)) * kLn2;
        if (geo.splits == 1) {
            T* orow = static_cast<T*>(p.o) + ((b * p.seq_q + qi) * p.heads + hd) * D;
#pragma unroll
            for (int t = 0; t < D / 8; ++t)
                *reinterpret_cast<std::uint32_t*>(orow + 8 * t + 2 * (lane % 4)) =
                    ptx::pack2<T>(o[t][2 * h] * inv, o[t][2 * h + 1] * inv);
            if (lane % 4 == 0) p.lse[(b * p.heads + hd) * p.seq_q + qi] = lse;
        } else {
            const std::int64_t prow =
                ((std::int64_t(split) * p.batch + b) * p.heads + hd) * p.seq_q + qi;
            float* orow = p.o_part + prow * D;
#pragma unroll
            for (int t = 0; t < D / 8; ++t)
                *reinterpret_cast<float2*>(orow + 8 * t + 2 * (lane % 4)) =
                    make_float2(o[t][2 * h] * inv, o[t][2 * h + 1] * inv);
            if (lane % 4 == 0) p.lse_part[prow] = lse;
        }
    }
}

template <class T, int D>
void launch_typed(const GpuAttentionProblem& pr, const FlashFwdLaunch& a, cudaStream_t s) {
    FwdArgs p{static_cast<const std::uint16_t*>(a.q),
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
              fwd_geometry(pr.heads, pr.kv_heads, pr.seq_q, pr.seq_k, a.splits),
              pr.causal,
              float(1.0 / std::sqrt(double(pr.head_dim))) * kLog2e};
    auto* k = flash_fwd_sm80_kernel<T, D>;
    constexpr int smem = fwd_smem_bytes<D>();
    static bool configured = false;
    if (!configured) {
        cuda_check(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, smem),
                   "cudaFuncSetAttribute(flash_fwd_sm80)");
        configured = true;
    }
    const dim3 grid(unsigned(p.g.m_blocks), unsigned(pr.batch * pr.kv_heads), unsigned(a.splits));
    k<<<grid, kThreads, smem, s>>>(p);
    cuda_check_launch("flash_fwd_sm80");
    if (a.splits > 1) launch_flash_combine(pr, a.o_part, a.lse_part, a.splits, a.o, a.lse, s);
}

}  // namespace

void launch_flash_fwd_sm80(const GpuAttentionProblem& p, const FlashFwdLaunch& a, cudaStream_t s) {
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
