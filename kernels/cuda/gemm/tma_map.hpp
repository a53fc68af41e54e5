// TMA tensor maps (Hopper's bulk tensor copies need a descriptor of the global tensor, made on
// the host). cuTensorMapEncodeTiled is a driver function; flopmeter does not link the driver
// (so it starts on machines without one) and fetches it through the runtime's
// cudaGetDriverEntryPointByVersion instead.
#pragma once

#include <cuda.h>

#include <cstdint>

#include "kernels/cuda/common/gpu_storage.hpp"

namespace flopmeter {

// A row-major matrix of `rows` x `cols` elements (row stride `ld` elements, 16-byte multiple),
// read in boxes of box_rows x box_cols with the 128-byte swizzle (box_cols * element size must
// be 128), out-of-bounds elements read as zero. Throws UnavailableError on failure.
CUtensorMap make_tma_2d_sw128(const void* base, GpuStorage t, std::uint64_t rows,
                              std::uint64_t cols, std::uint64_t ld, std::uint32_t box_rows,
                              std::uint32_t box_cols);

}  // namespace flopmeter
