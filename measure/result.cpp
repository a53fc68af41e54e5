#include "measure/result.hpp"

namespace flopmeter {

std::string case_status_name(CaseStatus s) {
    switch (s) {
        case CaseStatus::ok: return "ok";
        case CaseStatus::validation_failed: return "validation_failed";
        case CaseStatus::unavailable: return "unavailable";
        case CaseStatus::error: return "error";
    }
    return "?";
}

namespace {
double rate(const CaseResult& r, double amount) {
    if (r.status != CaseStatus::ok || !(r.seconds() > 0)) return 0.0;
    return amount / r.seconds();
}
}  // namespace

double CaseResult::model_flops_per_s() const { return rate(*this, model_flops); }
double CaseResult::executed_flops_per_s() const { return rate(*this, executed_flops); }
double CaseResult::bytes_per_s() const { return rate(*this, bytes); }

}  // namespace flopmeter
