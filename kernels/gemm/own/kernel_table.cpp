#include "kernels/gemm/own/kernel_table.hpp"

#include <string>

#include "core/error.hpp"

namespace flopmeter::own {
namespace {

// Blocking {mr, nr, kc, mc, nc} for a core with 32-48 KiB L1D, 1-2 MiB L2 and a shared L3
// (Zen 4/5, Ice Lake and later); mc and nc are multiples of mr and nr.
//   fp32 avx512: A micro-panel 12 x 512 x 4 B = 24 KiB in L1; B block 512 x 192 x 4 B = 384 KiB in
//   L2;
//                A block 2400 x 512 x 4 B = 4.7 MiB in L3 (Zen 4, 2 threads: 1-3% faster than kc
//                384).
//   fp64 avx512: A micro-panel 12 x 256 x 8 B = 24 KiB; B block 256 x 256 x 8 B = 512 KiB.
//   bf16 dot:    kc counts k elements: A micro-panel 12 x 768 x 2 B = 18 KiB; B block 480 KiB.
constexpr Blocking kSgemmAvx512Blk{12, 32, 512, 2400, 192};
constexpr Blocking kSgemmAvx2Blk{6, 16, 256, 960, 512};
constexpr Blocking kSgemmGenericBlk{4, 8, 256, 256, 256};
constexpr Blocking kDgemmAvx512Blk{12, 16, 256, 960, 256};
constexpr Blocking kDgemmAvx2Blk{6, 8, 256, 960, 256};
constexpr Blocking kDgemmGenericBlk{4, 4, 256, 256, 256};
constexpr Blocking kSbgemmAvx512Bf16Blk{12, 32, 768, 1200, 320};

const OwnKernel kFp32[] = {
    {"sgemm_avx512_12x32", Isa::avx512, 1, 4, 4, kSgemmAvx512Blk, tile_sgemm_avx512_12x32},
    {"sgemm_avx2_6x16", Isa::avx2, 1, 4, 4, kSgemmAvx2Blk, tile_sgemm_avx2_6x16},
    {"sgemm_generic_4x8", Isa::generic, 1, 4, 4, kSgemmGenericBlk, tile_sgemm_generic_4x8},
};
const OwnKernel kFp64[] = {
    {"dgemm_avx512_12x16", Isa::avx512, 1, 8, 8, kDgemmAvx512Blk, tile_dgemm_avx512_12x16},
    {"dgemm_avx2_6x8", Isa::avx2, 1, 8, 8, kDgemmAvx2Blk, tile_dgemm_avx2_6x8},
    {"dgemm_generic_4x4", Isa::generic, 1, 8, 8, kDgemmGenericBlk, tile_dgemm_generic_4x4},
};
const OwnKernel kBf16[] = {
    {"sbgemm_avx512bf16_12x32", Isa::avx512_bf16, 2, 2, 4, kSbgemmAvx512Bf16Blk,
     tile_sbgemm_avx512bf16_12x32},
    {"bf16->fp32 sgemm_avx512_12x32", Isa::avx512, 1, 4, 4, kSgemmAvx512Blk,
     tile_bf16w_sgemm_avx512_12x32},
    {"bf16->fp32 sgemm_avx2_6x16", Isa::avx2, 1, 4, 4, kSgemmAvx2Blk, tile_bf16w_sgemm_avx2_6x16},
    {"bf16->fp32 sgemm_generic_4x8", Isa::generic, 1, 4, 4, kSgemmGenericBlk,
     tile_bf16w_sgemm_generic_4x8},
};

template <std::size_t N>
const OwnKernel& best(const OwnKernel (&table)[N], Isa isa) {
    for (const auto& k : table)  // tables are ordered best first; the last is generic
        if (k.isa <= isa) return k;
    return table[N - 1];
}

template <std::size_t N>
std::vector<const OwnKernel*> runnable(const OwnKernel (&table)[N]) {
    std::vector<const OwnKernel*> v;
    for (const auto& k : table)
        if (k.isa <= isa_supported()) v.push_back(&k);
    return v;
}

}  // namespace

const OwnKernel& choose_kernel(DType dtype, Isa isa) {
    switch (dtype) {
        case DType::fp32:
            return best(kFp32, isa);
        case DType::fp64:
            return best(kFp64, isa);
        case DType::bf16:
            return best(kBf16, isa);
        default:
            throw UsageError("the own GEMM backend does not implement dtype " +
                             std::string(dtype_name(dtype)) + " (valid: fp32, fp64, bf16)");
    }
}

std::vector<const OwnKernel*> kernels_runnable(DType dtype) {
    switch (dtype) {
        case DType::fp32:
            return runnable(kFp32);
        case DType::fp64:
            return runnable(kFp64);
        case DType::bf16:
            return runnable(kBf16);
        default:
            return {};
    }
}

}  // namespace flopmeter::own
