// Read-only benchmark inputs shared by the cases of one process: GEMM's A, B and C's initial
// values, attention's Q, K, V and dO. Element i of the (dtype, seed) stream is
// uniform_pm1_at(seed, i) (core/operand_values.hpp) in that dtype, so the first `count`
// elements of any buffer of the stream are the values a case would have filled in itself, and
// one buffer serves every case that needs at most its length. The calibration keeps ~180 cases
// alive to revisit them; with an input buffer each, it faulted in and filled ~4 GB, which on a
// VM (a page fault costs an exit to the host) was a quarter of its time budget.
#pragma once

#include <cstdint>
#include <memory>

#include "core/aligned_buffer.hpp"
#include "core/dtype.hpp"

namespace flopmeter {

// At least `count` elements of the (t, seed) stream, never written by anyone (kernels read
// their inputs through const pointers). Held weakly by the pool: the memory goes with the last
// case holding it. Throws UsageError for a dtype without values (int8 and the like) and when
// memory runs out.
std::shared_ptr<const AlignedBuffer> shared_uniform_operand(DType t, std::uint64_t seed,
                                                            std::int64_t count);

// The same values written into caller-owned memory (outputs' initial values, per-case copies).
void fill_uniform(void* dst, DType t, std::int64_t count, std::uint64_t seed);

}  // namespace flopmeter
