// hgemm_sm80_mma_128x128x64: bf16/fp16 GEMM on the tensor cores with mma.sync (sm_80 and
// later), fp32 accumulation, C stored in the input type: C = alpha*A*B + beta*C, row-major,
// layouts nn / nt / tn. Model FLOPs 2*M*N*K (core/flops.hpp).
//
// Algorithm: a block of 4 warps computes a 128x128 tile of C, each warp a 64x64 quarter
// (4 m16 x 8 n8 mma tiles, 128 fp32 accumulators per thread). K advances 64 at a time through
// a 3-stage cp.async pipeline (tiles of the next two steps are in flight while one is
// multiplied). Shared tiles use the Sw128 layout (tile_layout.hpp): operands stored
// K-contiguous are kept [rows][k] and read with ldmatrix; operands stored M/N-contiguous are
// kept [k][rows] and read with ldmatrix.trans, which hands out the same fragments, so every
// layout runs the same inner loop. Per 16-wide k step a warp issues 8 ldmatrix.x4 and 32 mma.
// Blocks are ordered in groups of 8 tile rows (gemm_launch.hpp) so concurrent blocks share
// operand tiles in L2. Requirements: the contiguous dimension of A and of B a multiple of 8
// (16-byte cp.async), 16-byte aligned operands; edge tiles are zero-filled and masked.
#include <cstdint>

#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/ptx_sm80.cuh"
#include "kernels/cuda/common/tile_layout.hpp"
#include "kernels/cuda/gemm/gemm_launch.hpp"
#include "kernels/cuda/gemm/gpu_gemm_backend.hpp"

namespace flopmeter {

namespace {

using namespace cuda_tile;
constexpr int BM = cuda_gemm::kMmaTile.bm, BN = cuda_gemm::kMmaTile.bn, BK = cuda_gemm::kMmaTile.bk;
constexpr int kStages = cuda_gemm::kMmaStages;
constexpr int kThreads = cuda_gemm::kMmaThreads;
constexpr int kTileBytes = BM * BK * 2;  // A and B tiles are both 128x64 elements (16 KiB)
static_assert(BM == BN, "A and B tiles share one size");

struct MmaArgs {
    const void* a;
    const void* b;
    void* c;
    std::int64_t m, n, k, lda, ldb, ldc;
    float alpha, beta;
    std::int64_t tiles_m, tiles_n;
};

// Copies one 128x64 (K-contiguous) or 64x128 (MN-contiguous) operand tile into shared memory.
// The tile's rows are rows of the stored matrix: `row0`/`col0` its origin, `rows`/`cols` the
// stored matrix's extent (cols a multiple of 8), `ld` its row stride in elements.
template <int TROWS, int TCOLS>
__device__ __forceinline__ void load_tile(std::uint32_t smem, const std::uint16_t* g,
                                          std::int64_t ld, std::int64_t rows, std::int64_t cols,
                                          std::int64_t row0, std::int64_t col0) {
    constexpr int kChunks = TROWS * TCOLS / 8;
#pragma unroll
    for (int i = 0; i < kChunks / kThreads; ++i) {
        const int q = int(threadIdx.x) + i * kThreads;
        const RowCol rc = chunk_coords<TCOLS>(q);
        const std::int64_t r = row0 + rc.row, c = col0 + rc.col;
        const bool ok = r < rows && c < cols;
        const std::uint16_t* src = ok ? g + r * ld + c : g;
        ptx::cp_async_16(smem + sw128_offset<TROWS>(rc.row, rc.col), src, ok);
    }
}

template <class T, bool A_K, bool B_K>
__global__ void __launch_bounds__(kThreads) hgemm_sm80_mma_128x128x64_kernel(MmaArgs p) {
    extern __shared__ __align__(1024) unsigned char smem_raw[];
    const std::uint32_t smem = ptx::smem_u32(smem_raw);
    auto a_stage = [&](int s) { return smem + std::uint32_t(s) * 2 * kTileBytes; };
    auto b_stage = [&](int s) { return smem + std::uint32_t(s) * 2 * kTileBytes + kTileBytes; };

    const cuda_gemm::TileCoord tc =
        cuda_gemm::grouped_tile(blockIdx.x, p.tiles_m, p.tiles_n, cuda_gemm::kGroupM);
    const std::int64_t m0 = tc.tm * BM, n0 = tc.tn * BN;
    const auto* ga = static_cast<const std::uint16_t*>(p.a);
    const auto* gb = static_cast<const std::uint16_t*>(p.b);

    auto load_stage = [&](int s, std::int64_t k0) {
        if (A_K)
            load_tile<BM, BK>(a_stage(s), ga, p.lda, p.m, p.k, m0, k0);  // A [M][K]
        else
            load_tile<BK, BM>(a_stage(s), ga, p.lda, p.k, p.m, k0, m0);  // A [K][M]
        if (B_K)
            load_tile<BN, BK>(b_stage(s), gb, p.ldb, p.n, p.k, n0, k0);  // B [N][K]
        else
            load_tile<BK, BN>(b_stage(s), gb, p.ldb, p.k, p.n, k0, n0);  // B [K][N]
    };

    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int wm = (warp / 2) * 64, wn = (warp % 2) * 64;

    float acc[4][8][4];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.f;

    const std::int64_t ktiles = (p.k + BK - 1) / BK;
#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
        if (s < ktiles) load_stage(s, std::int64_t(s) * BK);
        ptx::cp_async_commit();
    }

    for (std::int64_t kt = 0; kt < ktiles; ++kt) {
        ptx::cp_async_wait<kStages - 2>();
        __syncthreads();  // tile kt visible to all; everyone is done with the stage refilled next
        const std::int64_t next = kt + kStages - 1;
        if (next < ktiles) load_stage(int(next % kStages), next * BK);
        ptx::cp_async_commit();

        const int s = int(kt % kStages);
        const std::uint32_t as = a_stage(s), bs = b_stage(s);
#pragma unroll
        for (int kk = 0; kk < BK / 16; ++kk) {
            std::uint32_t af[4][4], bf[8][2];
#pragma unroll
            for (int mt = 0; mt < 4; ++mt) {
                if (A_K) {
                    const RowCol l = ldsm_a_mk(lane);
                    ptx::ldsm_x4(af[mt],
                                 as + sw128_offset<BM>(wm + mt * 16 + l.row, kk * 16 + l.col));
                } else {
                    const RowCol l = ldsm_a_km_trans(lane);
                    ptx::ldsm_x4_trans(
                        af[mt], as + sw128_offset<BK>(kk * 16 + l.row, wm + mt * 16 + l.col));
                }
            }
#pragma unroll
            for (int np = 0; np < 4; ++np) {
                std::uint32_t r[4];
                if (B_K) {
                    const RowCol l = ldsm_b_nk(lane);
                    ptx::ldsm_x4(r, bs + sw128_offset<BN>(wn + np * 16 + l.row, kk * 16 + l.col));
                } else {
                    const RowCol l = ldsm_b_kn_trans(lane);
                    ptx::ldsm_x4_trans(
                        r, bs + sw128_offset<BK>(kk * 16 + l.row, wn + np * 16 + l.col));
                }
                bf[2 * np][0] = r[0];
                bf[2 * np][1] = r[1];
                bf[2 * np + 1][0] = r[2];
                bf[2 * np + 1][1] = r[3];
            }
#pragma unroll
            for (int mt = 0; mt < 4; ++mt)
#pragma unroll
                for (int nt = 0; nt < 8; ++nt)
                    ptx::mma_16816<T>(acc[mt][nt], af[mt], bf[nt][0], bf[nt][1]);
        }
    }
    ptx::cp_async_wait<0>();

    // Epilogue straight from the accumulators: each thread holds pairs of adjacent columns.
    T* gc = static_cast<T*>(p.c);
    const bool pairs = (p.ldc % 2) == 0;
#pragma unroll
    for (int mt = 0; mt < 4; ++mt)
#pragma unroll
        for (int nt = 0; nt < 8; ++nt)
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const RowCol e = mma_c_elem(lane, 2 * h);
                const std::int64_t r = m0 + wm + mt * 16 + e.row, c = n0 + wn + nt * 8 + e.col;
                if (r >= p.m || c >= p.n) continue;
                float v0 = p.alpha * acc[mt][nt][2 * h], v1 = p.alpha * acc[mt][nt][2 * h + 1];
                T* dst = gc + r * p.ldc + c;
                if (pairs && c + 1 < p.n) {
                    if (p.beta != 0.f) {
                        v0 += p.beta * ptx::to_float<T>(dst[0]);
                        v1 += p.beta * ptx::to_float<T>(dst[1]);
                    }
                    *reinterpret_cast<std::uint32_t*>(dst) = ptx::pack2<T>(v0, v1);
                } else {
                    if (p.beta != 0.f) v0 += p.beta * ptx::to_float<T>(dst[0]);
                    dst[0] = ptx::from_float<T>(v0);
                    if (c + 1 < p.n) {
                        if (p.beta != 0.f) v1 += p.beta * ptx::to_float<T>(dst[1]);
                        dst[1] = ptx::from_float<T>(v1);
                    }
                }
            }
}

template <class T, bool A_K, bool B_K>
void launch(const MmaArgs& a, cudaStream_t s) {
    auto* k = hgemm_sm80_mma_128x128x64_kernel<T, A_K, B_K>;
    const int smem = cuda_gemm::mma_smem_bytes();
    static bool configured = false;  // per instantiation; plans are made before any timing
    if (!configured) {
        cuda_check(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, smem),
                   "cudaFuncSetAttribute(hgemm_sm80_mma_128x128x64)");
        configured = true;
    }
    k<<<unsigned(a.tiles_m * a.tiles_n), kThreads, smem, s>>>(a);
}

template <class T>
void launch_layout(const MmaArgs& a, Layout l, cudaStream_t s) {
    switch (l) {
        case Layout::nn:
            launch<T, true, false>(a, s);
            break;
        case Layout::nt:
            launch<T, true, true>(a, s);
            break;
        case Layout::tn:
            launch<T, false, false>(a, s);
            break;
    }
}

}  // namespace

void launch_hgemm_sm80_mma_128x128x64(const GpuGemmProblem& p, const GpuGemmOperands& ops,
                                      cudaStream_t s) {
    MmaArgs a{ops.a,
              ops.b,
              ops.c,
              p.m,
              p.n,
              p.k,
              ops.lda,
              ops.ldb,
              ops.ldc,
              float(p.alpha),
              float(p.beta),
              cuda_gemm::ceil_div(p.m, BM),
              cuda_gemm::ceil_div(p.n, BN)};
    if (p.mode == GemmMode::bf16)
        launch_layout<__nv_bfloat16>(a, p.layout, s);
    else
        launch_layout<__half>(a, p.layout, s);
    cuda_check_launch("hgemm_sm80_mma_128x128x64");
}

}  // namespace flopmeter
