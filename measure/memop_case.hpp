// A memory-bound op (kernels/memops) as a benchmark case: allocate, validate against the
// double-precision reference, then time through measure_case().
#pragma once

#include <memory>
#include <vector>

#include "core/aligned_buffer.hpp"
#include "kernels/memops/memops.hpp"
#include "measure/kernel_case.hpp"

namespace flopmeter {

class MemOpCase final : public KernelCase {
  public:
    MemOpCase(const MemOpShape& shape, int threads);  // throws UsageError for bad sizes
    CaseResult describe() const override;
    ValidationReport validate() override;
    void run() override { run_memop(shape_, ptrs_.data(), aux_.as<float>(), threads_); }

  private:
    MemOpShape shape_;
    int threads_;
    std::vector<AlignedBuffer> bufs_;                         // the arrays the op reads and writes
    std::vector<std::shared_ptr<const AlignedBuffer>> init_;  // their initial values
    std::vector<float*> ptrs_;
    AlignedBuffer aux_;
};

std::string memop_case_name(const MemOpShape& s, int threads);

}  // namespace flopmeter
