// sgemm_simt_128x128x8: fp32 GEMM on the CUDA cores (no tensor cores), C = alpha*A*B + beta*C,
// row-major, layouts nn / nt / tn. Model FLOPs 2*M*N*K (core/flops.hpp).
//
// Algorithm (the classic register-blocked SGEMM): a block of 256 threads computes a 128x128
// tile of C, marching over K in steps of 8. Each step's A tile (128x8) and B tile (8x128) are
// staged in shared memory as [k][m] and [k][n] (A transposed on the way in when it is stored
// K-contiguous), double-buffered: the next step's tiles are loaded from global memory into
// registers while the current ones are multiplied, so one barrier per step suffices.
// Each thread owns an 8x8 block of C as 2x2 sub-blocks of 4x4 (rows lm*4 and 32+lm*4 of its
// warp's 64 rows, columns ln*4 and 16+ln*4 of its warp's 32), so its shared-memory reads are
// float4s that the lanes of a quarter-warp share or spread over distinct banks. Per k it
// reads 4 float4s and does 64 FMAs.
// The [k][m] rows are padded to 132 floats so the transposing stores of two threads that
// load the same m do not collide in a bank. Vector (float4) global accesses when every
// contiguous dimension is a multiple of 4 (gemm_launch.hpp), scalar otherwise; all loads are
// bounds-checked (zero fill), so any shape works.
#include <cstdint>

#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/gemm/gemm_launch.hpp"
#include "kernels/cuda/gemm/gpu_gemm_backend.hpp"

namespace flopmeter {

namespace {

constexpr int BM = cuda_gemm::kSimtTile.bm, BN = cuda_gemm::kSimtTile.bn,
              BK = cuda_gemm::kSimtTile.bk;
constexpr int kThreads = cuda_gemm::kSimtThreads;
constexpr int kPad = BM + 4;  // row length of the shared [k][m] and [k][n] tiles

struct SimtArgs {
    const float* a;
    const float* b;
    float* c;
    std::int64_t m, n, k, lda, ldb, ldc;
    float alpha, beta;
};

// One float4 worth of an operand tile: 4 consecutive elements along the contiguous dimension,
// zero beyond the matrix. `contig_len` bounds the contiguous index, `row_ok` the other one.
template <bool VEC>
__device__ __forceinline__ float4 load4(const float* row_ptr, std::int64_t contig,
                                        std::int64_t contig_len, bool row_ok) {
    float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
    if (!row_ok) return v;
    if (VEC) {
        if (contig < contig_len) v = *reinterpret_cast<const float4*>(row_ptr + contig);
    } else {
        if (contig + 0 < contig_len) v.x = row_ptr[contig + 0];
        if (contig + 1 < contig_len) v.y = row_ptr[contig + 1];
        if (contig + 2 < contig_len) v.z = row_ptr[contig + 2];
        if (contig + 3 < contig_len) v.w = row_ptr[contig + 3];
    }
    return v;
}

// TA: A stored [K][M] (layout tn). TB: B stored [N][K] (layout nt).
template <bool TA, bool TB, bool VEC>
__global__ void __launch_bounds__(kThreads, 2) sgemm_simt_128x128x8_kernel(SimtArgs p) {
    __shared__ __align__(16) float As[2][BK][kPad];
    __shared__ __align__(16) float Bs[2][BK][kPad];

    const int tid = threadIdx.x;
    const std::int64_t m0 = std::int64_t(blockIdx.y) * BM, n0 = std::int64_t(blockIdx.x) * BN;

    // Global -> register assignment (one float4 of A and one of B per thread per step).
    // K-contiguous operand: 128 rows x 2 float4 along k. MN-contiguous: 8 k rows x 32 float4.
    const int a_r = TA ? tid / 32 : tid / 2;              // TA: k row;  else: m row
    const int a_c = TA ? (tid % 32) * 4 : (tid % 2) * 4;  // TA: m col; else: k col
    const int b_r = TB ? tid / 2 : tid / 32;              // TB: n row;  else: k row
    const int b_c = TB ? (tid % 2) * 4 : (tid % 32) * 4;  // TB: k col; else: n col

    auto load_a = [&](std::int64_t k0) -> float4 {
        if (TA) {
            const std::int64_t kr = k0 + a_r;
            return load4<VEC>(p.a + kr * p.lda, m0 + a_c, p.m, kr < p.k);
        }
        const std::int64_t mr = m0 + a_r;
        return load4<VEC>(p.a + mr * p.lda, k0 + a_c, p.k, mr < p.m);
    };
    auto load_b = [&](std::int64_t k0) -> float4 {
        if (TB) {
            const std::int64_t nr = n0 + b_r;
            return load4<VEC>(p.b + nr * p.ldb, k0 + b_c, p.k, nr < p.n);
        }
        const std::int64_t kr = k0 + b_r;
        return load4<VEC>(p.b + kr * p.ldb, n0 + b_c, p.n, kr < p.k);
    };
    auto store_a = [&](int buf, float4 v) {
        if (TA) {
            *reinterpret_cast<float4*>(&As[buf][a_r][a_c]) = v;
        } else {
            As[buf][a_c + 0][a_r] = v.x;
            As[buf][a_c + 1][a_r] = v.y;
            As[buf][a_c + 2][a_r] = v.z;
            As[buf][a_c + 3][a_r] = v.w;
        }
    };
    auto store_b = [&](int buf, float4 v) {
        if (TB) {
            Bs[buf][b_c + 0][b_r] = v.x;
            Bs[buf][b_c + 1][b_r] = v.y;
            Bs[buf][b_c + 2][b_r] = v.z;
            Bs[buf][b_c + 3][b_r] = v.w;
        } else {
            *reinterpret_cast<float4*>(&Bs[buf][b_r][b_c]) = v;
        }
    };

    // Compute assignment: warps 2 (M) x 4 (N), each 64x32; lanes 8 (M) x 4 (N).
    const int warp = tid / 32, lane = tid % 32;
    const int row_base = (warp / 4) * 64 + (lane / 4) * 4;  // + {0, 32} + i
    const int col_base = (warp % 4) * 32 + (lane % 4) * 4;  // + {0, 16} + j

    float acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = 0.f;

    const std::int64_t ktiles = (p.k + BK - 1) / BK;
    store_a(0, load_a(0));
    store_b(0, load_b(0));
    __syncthreads();

    for (std::int64_t kt = 0; kt < ktiles; ++kt) {
        const int buf = int(kt & 1);
        const bool more = kt + 1 < ktiles;
        float4 na = make_float4(0.f, 0.f, 0.f, 0.f), nb = na;
        if (more) {
            na = load_a((kt + 1) * BK);
            nb = load_b((kt + 1) * BK);
        }
#pragma unroll
        for (int kk = 0; kk < BK; ++kk) {
            const float4 a0 = *reinterpret_cast<const float4*>(&As[buf][kk][row_base]);
            const float4 a1 = *reinterpret_cast<const float4*>(&As[buf][kk][row_base + 32]);
            const float4 b0 = *reinterpret_cast<const float4*>(&Bs[buf][kk][col_base]);
            const float4 b1 = *reinterpret_cast<const float4*>(&Bs[buf][kk][col_base + 16]);
            const float av[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            const float bv[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
            for (int i = 0; i < 8; ++i)
#pragma unroll
                for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
        if (more) {
            store_a(buf ^ 1, na);
            store_b(buf ^ 1, nb);
        }
        __syncthreads();
    }

    // Epilogue: C = alpha*acc + beta*C, reading C only when beta != 0.
#pragma unroll
    for (int i = 0; i < 8; ++i) {
        const std::int64_t r = m0 + row_base + (i / 4) * 32 + (i % 4);
        if (r >= p.m) continue;
        float* crow = p.c + r * p.ldc;
#pragma unroll
        for (int jh = 0; jh < 2; ++jh) {
            const std::int64_t c = n0 + col_base + jh * 16;
            float v[4];
#pragma unroll
            for (int j = 0; j < 4; ++j) v[j] = p.alpha * acc[i][jh * 4 + j];
            if (VEC && c + 3 < p.n) {
                float4* dst = reinterpret_cast<float4*>(crow + c);
                if (p.beta != 0.f) {
                    const float4 old = *dst;
                    v[0] += p.beta * old.x;
                    v[1] += p.beta * old.y;
                    v[2] += p.beta * old.z;
                    v[3] += p.beta * old.w;
                }
                *dst = make_float4(v[0], v[1], v[2], v[3]);
            } else {
#pragma unroll
                for (int j = 0; j < 4; ++j)
                    if (c + j < p.n)
                        crow[c + j] = p.beta != 0.f ? v[j] + p.beta * crow[c + j] : v[j];
            }
        }
    }
}

template <bool TA, bool TB>
void launch(const SimtArgs& a, bool vec, cudaStream_t s) {
    const dim3 grid(unsigned((a.n + BN - 1) / BN), unsigned((a.m + BM - 1) / BM));
    if (vec)
        sgemm_simt_128x128x8_kernel<TA, TB, true><<<grid, kThreads, 0, s>>>(a);
    else
        sgemm_simt_128x128x8_kernel<TA, TB, false><<<grid, kThreads, 0, s>>>(a);
}

}  // namespace

void launch_sgemm_simt_128x128x8(const GpuGemmProblem& p, const GpuGemmOperands& ops,
                                 cudaStream_t s) {
    SimtArgs a{static_cast<const float*>(ops.a),
               static_cast<const float*>(ops.b),
               static_cast<float*>(ops.c),
               p.m,
               p.n,
               p.k,
               ops.lda,
               ops.ldb,
               ops.ldc,
               float(p.alpha),
               float(p.beta)};
    const int layout = p.layout == Layout::nn ? 0 : p.layout == Layout::nt ? 1 : 2;
    const bool aligned =
        (reinterpret_cast<std::uintptr_t>(ops.a) | reinterpret_cast<std::uintptr_t>(ops.b) |
         reinterpret_cast<std::uintptr_t>(ops.c)) %
            16 ==
        0;
    const bool vec = aligned && cuda_gemm::simt_vector_ok(p.m, p.n, p.k, layout);
    switch (p.layout) {
        case Layout::nn:
            launch<false, false>(a, vec, s);
            break;
        case Layout::nt:
            launch<false, true>(a, vec, s);
            break;
        case Layout::tn:
            launch<true, false>(a, vec, s);
            break;
    }
    cuda_check_launch("sgemm_simt_128x128x8");
}

}  // namespace flopmeter
