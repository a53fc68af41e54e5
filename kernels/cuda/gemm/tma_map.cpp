#include "kernels/cuda/gemm/tma_map.hpp"

#include <cudaTypedefs.h>
#include <cuda_runtime_api.h>

#include <string>

#include "core/error.hpp"
#include "kernels/cuda/common/cuda_check.hpp"

namespace flopmeter {

namespace {

PFN_cuTensorMapEncodeTiled_v12000 encode_fn() {
    static PFN_cuTensorMapEncodeTiled_v12000 fn = [] {
        void* p = nullptr;
        cudaDriverEntryPointQueryResult q{};
        const cudaError_t e = cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000,
                                                               cudaEnableDefault, &q);
        if (e != cudaSuccess || q != cudaDriverEntryPointSuccess) {
            cudaGetLastError();
            return PFN_cuTensorMapEncodeTiled_v12000(nullptr);
        }
        return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(p);
    }();
    if (!fn)
        throw UnavailableError(
            "the CUDA driver does not provide cuTensorMapEncodeTiled (TMA needs driver 12.0+)");
    return fn;
}

}  // namespace

CUtensorMap make_tma_2d_sw128(const void* base, GpuStorage t, std::uint64_t rows,
                              std::uint64_t cols, std::uint64_t ld, std::uint32_t box_rows,
                              std::uint32_t box_cols) {
    CUtensorMapDataType dt = CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
    switch (t) {
        case GpuStorage::bf16:
            dt = CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
            break;
        case GpuStorage::f16:
            dt = CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
            break;
        case GpuStorage::f32:
            dt = CU_TENSOR_MAP_DATA_TYPE_FLOAT32;
            break;
        case GpuStorage::e4m3:
            dt = CU_TENSOR_MAP_DATA_TYPE_UINT8;
            break;
    }
    const std::uint64_t esize = gpu_storage_size(t);
    CUtensorMap map{};
    const cuuint64_t dims[2] = {cols, rows};
    const cuuint64_t strides[1] = {ld * esize};
    const cuuint32_t box[2] = {box_cols, box_rows};
    const cuuint32_t elem_strides[2] = {1, 1};
    const CUresult r =
        encode_fn()(&map, dt, 2, const_cast<void*>(base), dims, strides, box, elem_strides,
                    CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                    CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (r != CUDA_SUCCESS)
        throw CudaError("cuTensorMapEncodeTiled failed (error " + std::to_string(int(r)) +
                        ") for a " + std::to_string(rows) + "x" + std::to_string(cols) +
                        " matrix, box " + std::to_string(box_rows) + "x" +
                        std::to_string(box_cols));
    return map;
}

}  // namespace flopmeter
