#include "measure/selfcheck_cases.hpp"

#include <chrono>

namespace flopmeter {

namespace {
CaseResult base(const std::string& name) {
    CaseResult r;
    r.op = "selfcheck";
    r.name = name;
    r.backend = "harness";
    r.dtype = "none";
    r.kernel_set = name;
    return r;
}
ValidationReport trivially_valid() {
    ValidationReport v;
    v.passed = true;
    v.detail = "no output to check";
    return v;
}
}  // namespace

CaseResult EmptyCase::describe() const {
    return base("selfcheck/empty");
}
ValidationReport EmptyCase::validate() {
    return trivially_valid();
}
void EmptyCase::run() {
    __asm__ volatile("" ::: "memory");
}

CaseResult SpinCase::describe() const {
    return base("selfcheck/spin");
}
ValidationReport SpinCase::validate() {
    return trivially_valid();
}
void SpinCase::run() {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds_);
    while (std::chrono::steady_clock::now() < end) {
    }
}

}  // namespace flopmeter
