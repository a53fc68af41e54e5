#include "measure/result.hpp"

#include <algorithm>

namespace flopmeter {

std::string case_status_name(CaseStatus s) {
    switch (s) {
        case CaseStatus::ok:
            return "ok";
        case CaseStatus::validation_failed:
            return "validation_failed";
        case CaseStatus::unavailable:
            return "unavailable";
        case CaseStatus::error:
            return "error";
    }
    return "?";
}

namespace {
double rate(const CaseResult& r, double amount) {
    if (r.status != CaseStatus::ok || !(r.seconds() > 0)) return 0.0;
    return amount / r.seconds();
}
}  // namespace

double CaseResult::model_flops_per_s() const {
    return rate(*this, model_flops);
}
double CaseResult::executed_flops_per_s() const {
    return rate(*this, executed_flops);
}
double CaseResult::bytes_per_s() const {
    return rate(*this, bytes);
}

namespace {
std::vector<double> sorted_ratios(const BandwidthPairing& p) {
    std::vector<double> v;
    for (const auto& r : p.rounds) v.push_back(r.ratio());
    std::sort(v.begin(), v.end());
    return v;
}
}  // namespace

double BandwidthPairing::ratio_median() const {
    const auto v = sorted_ratios(*this);
    if (v.empty()) return 0.0;
    const std::size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}
double BandwidthPairing::short_read_ratio_median() const {
    std::vector<double> v;
    for (const auto& r : rounds)
        if (r.short_read() > 0) v.push_back(r.short_read_ratio());
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}
double BandwidthPairing::ratio_min() const {
    const auto v = sorted_ratios(*this);
    return v.empty() ? 0.0 : v.front();
}
double BandwidthPairing::ratio_max() const {
    const auto v = sorted_ratios(*this);
    return v.empty() ? 0.0 : v.back();
}

}  // namespace flopmeter
