// Kernels for checking the harness itself: an empty call (what timing a call costs) and a spin
// of known duration (what the harness adds to a 1 ms kernel). Validation is trivial and true by
// construction: there is no output to check.
#pragma once

#include "measure/kernel_case.hpp"

namespace flopmeter {

class EmptyCase final : public KernelCase {
  public:
    CaseResult describe() const override;
    ValidationReport validate() override;
    void run() override;
};

class SpinCase final : public KernelCase {
  public:
    explicit SpinCase(double seconds) : seconds_(seconds) {}
    CaseResult describe() const override;
    ValidationReport validate() override;
    void run() override;  // busy-waits on the steady clock until `seconds` have passed

  private:
    double seconds_;
};

}  // namespace flopmeter
