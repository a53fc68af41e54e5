// One GEMM case end to end, in nvbench-like phases: allocate and initialise operands, make
// the backend's plan, validate against the oracle, then hand a timed call to the sampler.
// The CLI, the calibration and the Google Benchmark binary all go through this.
#pragma once

#include <memory>
#include <string>

#include "core/aligned_buffer.hpp"
#include "kernels/gemm/gemm_backend.hpp"
#include "measure/gemm_validate.hpp"
#include "measure/result.hpp"
#include "measure/sampler.hpp"

namespace flopmeter {

struct GemmCaseSpec {
    std::string backend = "own";
    GemmProblem problem;
    int threads = 1;
};

class GemmCase {
public:
    // Allocates operands (uniform [-1, 1], fixed seed) and makes the plan. Throws UsageError /
    // UnavailableError for bad sizes, unknown or absent backends.
    explicit GemmCase(const GemmCaseSpec& spec);

    // Runs the kernel once on fresh C and checks it against the oracle.
    ValidationReport validate();
    // The timed call (C is overwritten; with beta != 0 it accumulates, which is harmless).
    void run() { plan_->run(ops_); }

    const GemmCaseSpec& spec() const { return spec_; }
    const GemmPlan& plan() const { return *plan_; }
    const GemmBackend& backend() const { return *backend_; }

    // A result record with the case's identity and FLOP/byte counts filled in (no timing).
    CaseResult describe() const;

private:
    GemmCaseSpec spec_;
    const GemmBackend* backend_ = nullptr;
    AlignedBuffer a_, b_, c_, c_init_;
    GemmOperands ops_;
    std::unique_ptr<GemmPlan> plan_;
};

std::string gemm_case_name(const GemmCaseSpec& spec);

// Validate, then time; never throws for kernel-level failures: the status says what happened.
// Usage errors (bad sizes, unknown backend) still throw, so the CLI can exit 2.
CaseResult measure_gemm(const GemmCaseSpec& spec, const SamplerConfig& cfg);

}  // namespace flopmeter
