// One attention case end to end, in nvbench-like phases: make the backend's plan, allocate
// and initialise the tensors, validate against the oracle (forward, and backward given the
// forward's outputs); measure_case() then times it. The CLI and the Google Benchmark binary
// both go through this.
#pragma once

#include <memory>
#include <string>

#include "core/aligned_buffer.hpp"
#include "kernels/attention/attention_backend.hpp"
#include "measure/kernel_case.hpp"
#include "measure/measure_case.hpp"

namespace flopmeter {

struct AttentionCaseSpec {
    std::string backend = "own";
    AttentionProblem problem;
    AttentionPass pass = AttentionPass::fwd;
    int threads = 1;
};

class AttentionCase final : public KernelCase {
  public:
    // Makes the plan (UnavailableError when the backend cannot run this problem here, e.g. the
    // unfused kernel's S x S matrices do not fit; UsageError for a bad problem), then allocates
    // Q, K, V (uniform [-1, 1], fixed seeds), dO likewise, and the outputs (filled with NaN so
    // an element a kernel never writes fails validation).
    explicit AttentionCase(const AttentionCaseSpec& spec);

    CaseResult describe() const override;
    // Runs the forward and checks O and LSE (a KV cache apart from Q's dtype: against the oracle
    // on the dequantized cache, in double); for a backward pass then runs the backward on
    // those outputs and checks dQ, dK, dV. A backward-only case keeps the forward's outputs as
    // the timed backward's inputs.
    ValidationReport validate() override;
    // The timed call: forward, backward, or both in sequence.
    void run() override;

    const AttentionCaseSpec& spec() const { return spec_; }
    const AttentionPlan& plan() const { return *plan_; }
    const AttentionOperands& operands() const { return ops_; }

  private:
    AttentionCaseSpec spec_;
    std::unique_ptr<AttentionPlan> plan_;
    std::shared_ptr<const AlignedBuffer> q_, k_, v_,
        do_;  // shared inputs (measure/operand_pool.hpp)
    AlignedBuffer k_int8_, v_int8_, o_, lse_, dq_, dk_, dv_, k_scale_, v_scale_;
    AttentionOperands ops_;
};

std::string attention_case_name(const AttentionCaseSpec& spec);

// Builds the case (usage errors propagate) and measures it.
CaseResult measure_attention(const AttentionCaseSpec& spec, const MeasureOptions& o,
                             MeasureContext& ctx);

}  // namespace flopmeter
