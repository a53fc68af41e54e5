// The kernel cases of a calibration kept between their visits (calibrate/interleaved_sweep.hpp):
// operands allocated, initialised and the plan made once, up to a memory budget; cases beyond
// it are built (and validated) for each visit. A kept case is validated against its oracle on
// its first visit; later visits time the same plan on the same operands without validating
// again (operand initialisation and validation were most of a visit's time).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "calibrate/sweep.hpp"
#include "measure/kernel_case.hpp"

namespace flopmeter {

class CaseCache {
  public:
    explicit CaseCache(double max_bytes) : max_bytes_(max_bytes) {}
    // The case for `c` (GEMM, attention, memory-bound op, quantized matmul, KV decode), or
    // nullptr for an op it does not know. Beyond the memory budget the case is built for this
    // call alone (not kept). Throws what the case's constructor throws (UsageError,
    // UnavailableError).
    std::shared_ptr<KernelCase> get(const SweepCase& c, int threads);
    bool holds(const std::string& name) const { return cases_.count(name) > 0; }
    double held_bytes() const { return held_bytes_; }
    // Whether the kept case `name` passed validation on an earlier visit; mark it when it did,
    // with the time of one call measured then (0 when unknown).
    bool validated(const std::string& name) const { return validated_.count(name) > 0; }
    double call_seconds(const std::string& name) const {
        const auto it = validated_.find(name);
        return it == validated_.end() ? 0.0 : it->second;
    }
    void mark_validated(const std::string& name, double call_s) {
        if (cases_.count(name)) validated_[name] = call_s;
    }

  private:
    double max_bytes_, held_bytes_ = 0;
    std::map<std::string, std::shared_ptr<KernelCase>> cases_;
    std::map<std::string, double> validated_;
};

}  // namespace flopmeter
