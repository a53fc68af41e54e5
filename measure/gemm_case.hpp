// One GEMM case end to end, in nvbench-like phases: allocate and initialise operands, make
// the backend's plan, validate against the oracle; measure_case() then times it. The CLI, the
// calibration and the Google Benchmark binary all go through this.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/aligned_buffer.hpp"
#include "kernels/gemm/gemm_backend.hpp"
#include "measure/gemm_validate.hpp"
#include "measure/kernel_case.hpp"
#include "measure/measure_case.hpp"

namespace flopmeter {

struct GemmCaseSpec {
    std::string backend = "own";
    GemmProblem problem;
    int threads = 1;
};

class GemmCase final : public KernelCase {
  public:
    // Allocates operands (uniform [-1, 1], fixed seed) and makes the plan. Throws UsageError /
    // UnavailableError for bad sizes, unknown or absent backends. `operand_sets` > 1 allocates
    // copies of A, B and C to rotate through in cold mode (capped by available memory).
    explicit GemmCase(const GemmCaseSpec& spec, int operand_sets = 1);

    CaseResult describe() const override;
    ValidationReport validate() override;
    void run() override { plan_->run(ops_); }  // C is overwritten (accumulates when beta != 0)
    int operand_sets() const override { return int(sets_.size()); }
    void select_operand_set(int i) override;

    const GemmCaseSpec& spec() const { return spec_; }
    const GemmPlan& plan() const { return *plan_; }

  private:
    struct Operands {
        const void* a = nullptr;  // set 0: the shared input streams; others: own_a/own_b
        const void* b = nullptr;
        AlignedBuffer own_a, own_b;  // cold mode's copies (sets after the first)
        AlignedBuffer c;
    };
    std::shared_ptr<const AlignedBuffer> a0_, b0_, c_init_;  // measure/operand_pool.hpp
    GemmCaseSpec spec_;
    const GemmBackend* backend_ = nullptr;
    std::vector<Operands> sets_;
    GemmOperands ops_;
    std::unique_ptr<GemmPlan> plan_;
};

std::string gemm_case_name(const GemmCaseSpec& spec);

// Operand sets a cold-mode GEMM case rotates through: enough to cover twice the last-level
// cache, at most 8, and only as many as fit comfortably in available memory.
int gemm_cold_operand_sets(const GemmProblem& p);

// Builds the case (usage errors propagate) and measures it.
CaseResult measure_gemm(const GemmCaseSpec& spec, const MeasureOptions& o, MeasureContext& ctx);

}  // namespace flopmeter
