// Which kernel the own GEMM runs for each (dtype, ISA level), with its blocking sizes:
// per-architecture data in one table (kernel_table.cpp), as BLIS keeps it.
#pragma once

#include <vector>

#include "core/dtype.hpp"
#include "core/isa.hpp"
#include "kernels/gemm/own/microkernel.hpp"

namespace flopmeter::own {

// Throws UsageError for dtypes the own backend does not implement.
const OwnKernel& choose_kernel(DType dtype, Isa isa);

// Every kernel for a dtype that this CPU can run (for tests that force each variant).
std::vector<const OwnKernel*> kernels_runnable(DType dtype);

}  // namespace flopmeter::own
