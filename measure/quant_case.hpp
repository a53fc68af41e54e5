// A quantized weight-only matmul (kernels/quant) as a benchmark case: random weights packed in
// the format, validated against the dequantize-then-double oracle, then timed through
// measure_case(). Backends: "own" (the kernel table's best or a named ISA) and "onednn"
// (oneDNN's int8 matmul, q8 per-channel formats only).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/aligned_buffer.hpp"
#include "kernels/quant/qgemm.hpp"
#include "kernels/quant/qgemm_onednn.hpp"
#include "measure/kernel_case.hpp"
#include "measure/measure_case.hpp"

namespace flopmeter {

struct QuantCaseSpec {
    std::string backend = "own";  // "own" or "onednn"
    QuantFormat format;
    QuantActivation act = QuantActivation::int8;
    std::string isa;  // own only: "" = best runnable
    std::int64_t m = 1, n = 1, k = 128;
    int threads = 1;
};

std::string quant_case_name(const QuantCaseSpec& s);

class QuantCase final : public KernelCase {
  public:
    // Throws UsageError for a shape the format rejects, UnavailableError for a backend or ISA
    // this machine (or build) cannot run.
    QuantCase(const QuantCaseSpec& s);
    ~QuantCase() override;
    CaseResult describe() const override;
    ValidationReport validate() override;
    void run() override;
    // Cold mode: after the cache scrub, the pool's workers have gone to sleep on their futex;
    // a decode step calls its matmuls back to back with the workers awake, so they are woken
    // (an empty job) before the timed call rather than timed waking up (a scheduler tick on a
    // busy machine).
    void flush_device_cache() override;

  private:
    QuantCaseSpec spec_;
    const QGemmKernel* kernel_ = nullptr;
    std::shared_ptr<const QuantMatrix> w_;  // shared by the cases of one matrix
    AlignedBuffer x_, y_;
    QuantActs acts_;
    std::unique_ptr<OnednnInt8Matmul> onednn_;
};

// Builds, validates and times one case; an unavailable backend or ISA becomes a result with
// status unavailable (bad shapes still throw UsageError). `around` (optional) is called with
// false once the case is built (its weights quantized and packed) and right before it is
// validated and timed, and with true right after: bench quant takes its interleaved DRAM
// readings there, so nothing but the case lies between a reading and the case.
CaseResult measure_quant(const QuantCaseSpec& s, const MeasureOptions& o, MeasureContext& ctx,
                         const std::function<void(bool after)>& around = {});

}  // namespace flopmeter
