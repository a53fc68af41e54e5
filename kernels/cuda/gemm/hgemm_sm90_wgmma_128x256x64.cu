// hgemm_sm90_wgmma_128x256x64: bf16/fp16 GEMM for Hopper (sm_90a) with wgmma and TMA, fp32
// accumulation, C stored in the input type: C = alpha*A*B + beta*C, row-major, layouts
// nn / nt / tn. Model FLOPs 2*M*N*K (core/flops.hpp).
//
// Algorithm (warp-specialised, one 128x256 tile of C per block, 384 threads):
//  - warpgroup 0 is the producer: one thread issues TMA copies of the A (128x64) and B
//    (256x64) tiles of successive K steps into a 4-stage ring of shared memory (48 KiB per
//    stage, 128-byte swizzle), each stage guarded by a "full" mbarrier (TMA bytes landed) and
//    an "empty" mbarrier (both consumers done with it). It gives its registers away
//    (setmaxnreg 40).
//  - warpgroups 1 and 2 are consumers, each owning 64 rows x 256 columns of C in 128 fp32
//    registers per thread (setmaxnreg 232). Per stage each issues four wgmma.m64n256k16 with
//    both operands read from shared memory through matrix descriptors, keeps one stage's
//    wgmmas in flight (wait_group 1) and releases the stage before.
//  - Operands stored K-contiguous are K-major for wgmma; M/N-contiguous ones (B in nn/tn, A in
//    tn) are loaded as 64-wide atoms and fed MN-major with the transpose bit, so no layout
//    needs a transposed copy.
//  - Blocks walk the tiles in groups of 8 tile rows (gemm_launch.hpp) for L2 reuse; TMA
//    zero-fills beyond the matrix and the epilogue masks, so M, N, K need only the 16-byte
//    row alignment of the TMA (contiguous dimensions multiples of 8).
// The epilogue writes C from the accumulators (two adjacent columns per store).
#include <cuda.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/ptx_sm80.cuh"
#include "kernels/cuda/common/ptx_sm90.cuh"
#include "kernels/cuda/gemm/gemm_launch.hpp"
#include "kernels/cuda/gemm/hgemm_sm90_wgmma.hpp"

namespace flopmeter {

namespace {

constexpr int BM = cuda_gemm::kWgmmaTile.bm, BN = cuda_gemm::kWgmmaTile.bn;

struct WgmmaArgs {
    void* c;
    std::int64_t m, n, k, ldc;
    float alpha, beta;
    std::int64_t tiles_m, tiles_n;
};

#ifdef FM_SM90A
constexpr int BK = cuda_gemm::kWgmmaTile.bk;
constexpr int kStages = cuda_gemm::kWgmmaStages;
constexpr int kABytes = BM * BK * 2, kBBytes = BN * BK * 2;  // 16 KiB, 32 KiB
constexpr int kAtomBytes = 64 * 128;  // a 64-row x 128-byte swizzle atom column

// d[128] += A(64x16, smem) * B(16x256, smem); TA/TB: operand stored MN-major (transposed).
template <class T, int TA, int TB>
__device__ __forceinline__ void wgmma_m64n256k16(float (&d)[128], std::uint64_t da,
                                                 std::uint64_t db) {
    static_assert(std::is_same<T, __nv_bfloat16>::value || std::is_same<T, __half>::value,
                  "16-bit inputs");
    if constexpr (std::is_same<T, __nv_bfloat16>::value) {
        asm volatile(
            "{\n"
            ".reg .pred p;\n"
            "setp.ne.b32 p, %132, 0;\n"
            "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 "
            "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, "
            "%19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, "
            "%36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, "
            "%53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, %64, %65, %66, %67, %68, %69, "
            "%70, %71, %72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, %84, %85, %86, "
            "%87, %88, %89, %90, %91, %92, %93, %94, %95, %96, %97, %98, %99, %100, %101, %102, "
            "%103, %104, %105, %106, %107, %108, %109, %110, %111, %112, %113, %114, %115, %116, "
            "%117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127}, %128, %129, p, 1, "
            "1, %130, %131;\n"
            "}\n"
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
              "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]),
              "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]),
              "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]),
              "+f"(d[79]), "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]),
              "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]),
              "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]), "+f"(d[96]),
              "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]),
              "+f"(d[103]), "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]),
              "+f"(d[109]), "+f"(d[110]), "+f"(d[111]), "+f"(d[112]), "+f"(d[113]), "+f"(d[114]),
              "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]), "+f"(d[120]),
              "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]),
              "+f"(d[127])
            : "l"(da), "l"(db), "n"(TA), "n"(TB), "r"(1));
    } else {
        asm volatile(
            "{\n"
            ".reg .pred p;\n"
            "setp.ne.b32 p, %132, 0;\n"
            "wgmma.mma_async.sync.aligned.m64n256k16.f32.f16.f16 "
            "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, "
            "%19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, "
            "%36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, "
            "%53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, %64, %65, %66, %67, %68, %69, "
            "%70, %71, %72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, %84, %85, %86, "
            "%87, %88, %89, %90, %91, %92, %93, %94, %95, %96, %97, %98, %99, %100, %101, %102, "
            "%103, %104, %105, %106, %107, %108, %109, %110, %111, %112, %113, %114, %115, %116, "
            "%117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127}, %128, %129, p, 1, "
            "1, %130, %131;\n"
            "}\n"
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
              "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]),
              "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]),
              "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]),
              "+f"(d[79]), "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]),
              "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]),
              "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]), "+f"(d[96]),
              "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]),
              "+f"(d[103]), "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]),
              "+f"(d[109]), "+f"(d[110]), "+f"(d[111]), "+f"(d[112]), "+f"(d[113]), "+f"(d[114]),
              "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]), "+f"(d[120]),
              "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]),
              "+f"(d[127])
            : "l"(da), "l"(db), "n"(TA), "n"(TB), "r"(1));
    }
}
#endif  // FM_SM90A

// A_K / B_K: operand stored K-contiguous (K-major for wgmma); otherwise MN-major, transposed.
template <class T, bool A_K, bool B_K>
__global__ void __launch_bounds__(cuda_gemm::kWgmmaThreads, 1)
    hgemm_sm90_wgmma_128x256x64_kernel(const __grid_constant__ CUtensorMap tma_a,
                                       const __grid_constant__ CUtensorMap tma_b, WgmmaArgs p) {
#ifdef FM_SM90A
    extern __shared__ __align__(1024) unsigned char smem_raw[];
    const std::uint32_t smem = (ptx::smem_u32(smem_raw) + 1023u) & ~1023u;
    auto a_stage = [&](int s) { return smem + std::uint32_t(s) * kABytes; };
    auto b_stage = [&](int s) {
        return smem + std::uint32_t(kStages) * kABytes + std::uint32_t(s) * kBBytes;
    };
    const std::uint32_t bars = smem + std::uint32_t(kStages) * (kABytes + kBBytes);
    auto full_bar = [&](int s) { return bars + std::uint32_t(s) * 8; };
    auto empty_bar = [&](int s) { return bars + std::uint32_t(kStages + s) * 8; };

    const int wg = int(threadIdx.x) / 128;
    const cuda_gemm::TileCoord tc =
        cuda_gemm::grouped_tile(blockIdx.x, p.tiles_m, p.tiles_n, cuda_gemm::kGroupM);
    const std::int64_t m0 = tc.tm * BM, n0 = tc.tn * BN;
    const int ktiles = int((p.k + BK - 1) / BK);

    if (threadIdx.x == 0) {
        for (int s = 0; s < kStages; ++s) {
            ptx90::mbar_init(full_bar(s), 1);   // the producer's arrive (plus the TMA bytes)
            ptx90::mbar_init(empty_bar(s), 2);  // one arrive per consumer warpgroup
        }
        ptx90::mbar_fence_init();
    }
    __syncthreads();

    if (wg == 0) {
        ptx90::setmaxnreg_dec<40>();
        if (threadIdx.x == 0) {
            for (int kt = 0; kt < ktiles; ++kt) {
                const int s = kt % kStages;
                const std::uint32_t round = std::uint32_t(kt / kStages);
                ptx90::mbar_wait(empty_bar(s), (round & 1u) ^ 1u);
                ptx90::mbar_arrive_expect_tx(full_bar(s), kABytes + kBBytes);
                const std::int32_t k0 = kt * BK;
                if (A_K) {
                    ptx90::tma_load_2d(a_stage(s), &tma_a, k0, std::int32_t(m0), full_bar(s));
                } else {
#pragma unroll
                    for (int a = 0; a < BM / 64; ++a)
                        ptx90::tma_load_2d(a_stage(s) + a * kAtomBytes, &tma_a,
                                           std::int32_t(m0) + 64 * a, k0, full_bar(s));
                }
                if (B_K) {
                    ptx90::tma_load_2d(b_stage(s), &tma_b, k0, std::int32_t(n0), full_bar(s));
                } else {
#pragma unroll
                    for (int a = 0; a < BN / 64; ++a)
                        ptx90::tma_load_2d(b_stage(s) + a * kAtomBytes, &tma_b,
                                           std::int32_t(n0) + 64 * a, k0, full_bar(s));
                }
            }
        }
    } else {
        ptx90::setmaxnreg_inc<232>();
        const int cw = wg - 1;  // consumer: rows cw*64 .. cw*64+63 of the tile
        float d[128];
#pragma unroll
        for (int i = 0; i < 128; ++i) d[i] = 0.f;

        for (int kt = 0; kt < ktiles; ++kt) {
            const int s = kt % kStages;
            ptx90::mbar_wait(full_bar(s), std::uint32_t(kt / kStages) & 1u);
            ptx90::wgmma_fence();
#pragma unroll
            for (int kk = 0; kk < BK / 16; ++kk) {
                // K-major: rows of 128 bytes, 8-row groups 1024 apart; a k16 step is 32 bytes in.
                // MN-major: 64-wide atoms 8 KiB apart; a k16 step is 16 rows (2 KiB) down.
                const std::uint64_t da =
                    A_K ? ptx90::sw128_desc(a_stage(s) + std::uint32_t(cw * 64 * 128 + kk * 32), 16,
                                            1024)
                        : ptx90::sw128_desc(
                              a_stage(s) + std::uint32_t(cw * kAtomBytes + kk * 16 * 128),
                              kAtomBytes, 1024);
                const std::uint64_t db =
                    B_K ? ptx90::sw128_desc(b_stage(s) + std::uint32_t(kk * 32), 16, 1024)
                        : ptx90::sw128_desc(b_stage(s) + std::uint32_t(kk * 16 * 128), kAtomBytes,
                                            1024);
                wgmma_m64n256k16<T, A_K ? 0 : 1, B_K ? 0 : 1>(d, da, db);
            }
            ptx90::wgmma_commit();
            // Keep this stage's wgmmas in flight; the previous stage's are done now.
            ptx90::wgmma_wait<1>();
            if (kt > 0 && threadIdx.x % 128 == 0) ptx90::mbar_arrive(empty_bar((kt - 1) % kStages));
        }
        ptx90::wgmma_wait<0>();
        // The accumulators were written by the async unit: keep the compiler from reading
        // them before the wait above.
#pragma unroll
        for (int i = 0; i < 128; ++i) asm volatile("" : "+f"(d[i])::"memory");

        // Epilogue: warp w of the warpgroup holds rows 16w..16w+15; per n8 chunk j a thread has
        // (row, 2 columns) twice, 8 rows apart, like mma.m16n8's C fragment.
        const int w = (int(threadIdx.x) % 128) / 32, lane = int(threadIdx.x) % 32;
        const std::int64_t row_a = m0 + cw * 64 + w * 16 + lane / 4;
        T* gc = static_cast<T*>(p.c);
        const bool pairs = (p.ldc % 2) == 0;
#pragma unroll
        for (int j = 0; j < BN / 8; ++j)
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const std::int64_t r = row_a + 8 * h, c = n0 + 8 * j + 2 * (lane % 4);
                if (r >= p.m || c >= p.n) continue;
                float v0 = p.alpha * d[4 * j + 2 * h], v1 = p.alpha * d[4 * j + 2 * h + 1];
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
#else
    // Built for a target without wgmma: the host never launches this (hgemm_sm90_wgmma_runnable).
    (void)tma_a;
    (void)tma_b;
    (void)p;
    __trap();
#endif
}

template <class T, bool A_K, bool B_K>
void launch(const CUtensorMap& ta, const CUtensorMap& tb, const WgmmaArgs& a, cudaStream_t s) {
    auto* k = hgemm_sm90_wgmma_128x256x64_kernel<T, A_K, B_K>;
    const int smem = cuda_gemm::wgmma_smem_bytes();
    static bool configured = false;
    if (!configured) {
        cuda_check(cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, smem),
                   "cudaFuncSetAttribute(hgemm_sm90_wgmma_128x256x64)");
        configured = true;
    }
    k<<<unsigned(a.tiles_m * a.tiles_n), cuda_gemm::kWgmmaThreads, smem, s>>>(ta, tb, a);
}

template <class T>
void launch_layout(Layout l, const CUtensorMap& ta, const CUtensorMap& tb, const WgmmaArgs& a,
                   cudaStream_t s) {
    switch (l) {
        case Layout::nn:
            launch<T, true, false>(ta, tb, a, s);
            break;
        case Layout::nt:
            launch<T, true, true>(ta, tb, a, s);
            break;
        case Layout::tn:
            launch<T, false, false>(ta, tb, a, s);
            break;
    }
}

}  // namespace

bool hgemm_sm90_wgmma_runnable() {
    // The kernel has real code only in the sm_90a binary; a GPU that would run the PTX
    // (another architecture) gets the trapping body, so insist on the sm_90 binary.
    cudaFuncAttributes attr{};
    if (cudaFuncGetAttributes(
            &attr, hgemm_sm90_wgmma_128x256x64_kernel<__nv_bfloat16, true, true>) != cudaSuccess) {
        cudaGetLastError();
        return false;
    }
    return attr.binaryVersion == 90;
}

void launch_hgemm_sm90_wgmma_128x256x64(const GpuGemmProblem& p, const CUtensorMap& ta,
                                        const CUtensorMap& tb, void* c, std::int64_t ldc,
                                        cudaStream_t s) {
    WgmmaArgs a{c,
                p.m,
                p.n,
                p.k,
                ldc,
                float(p.alpha),
                float(p.beta),
                cuda_gemm::ceil_div(p.m, BM),
                cuda_gemm::ceil_div(p.n, BN)};
    if (p.mode == GemmMode::bf16)
        launch_layout<__nv_bfloat16>(p.layout, ta, tb, a, s);
    else
        launch_layout<__half>(p.layout, ta, tb, a, s);
    cuda_check_launch("hgemm_sm90_wgmma_128x256x64");
}

}  // namespace flopmeter
