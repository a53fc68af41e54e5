#include "calibrate/visit_case.hpp"

#include <algorithm>

#include "calibrate/attention_hook.hpp"
#include "calibrate/quant_sweep.hpp"
#include "core/error.hpp"
#include "core/text_table.hpp"
#include "measure/memop_case.hpp"

namespace flopmeter {

namespace {

bool measured_cold(const SweepCase& c) {
    return c.op == "quant_gemm" || c.op == "kv_decode";
}

std::string by_op(const std::map<std::string, double>& m) {
    std::string s;
    for (const auto& [k, v] : m)
        if (v >= 0.05) s += ", " + k + " " + fmt_fixed(v, 1);
    return s;
}

}  // namespace

void VisitPhases::add(const VisitPhases& o) {
    setup_s += o.setup_s;
    validate_s += o.validate_s;
    sampling_s += o.sampling_s;
    other_s += o.other_s;
    bookkeeping_s += o.bookkeeping_s;
    visits += o.visits;
    setups += o.setups;
    validations += o.validations;
    for (const auto& [k, v] : o.setup_by_op) setup_by_op[k] += v;
    for (const auto& [k, v] : o.validate_by_op) validate_by_op[k] += v;
}

std::string VisitPhases::line() const {
    return std::to_string(visits) + " visits " + fmt_fixed(total_s(), 1) + " s: setup " +
           fmt_fixed(setup_s, 1) + " s (" + std::to_string(setups) + " builds" +
           by_op(setup_by_op) + "), validation " + fmt_fixed(validate_s, 1) + " s (" +
           std::to_string(validations) + by_op(validate_by_op) + "), warm-up+sampling " +
           fmt_fixed(sampling_s, 1) + " s, probes+other " + fmt_fixed(other_s, 1) +
           " s, bookkeeping " + fmt_fixed(bookkeeping_s, 1) + " s";
}

CaseResult measure_visit(const SweepCase& c, const MeasureOptions& mo, MeasureContext& ctx,
                         CaseCache* cache, VisitPhases& phases) {
    const double t0 = now_seconds();
    double setup_s = 0;
    CaseResult r;
    try {
        MeasureOptions visit = mo;
        if (measured_cold(c))
            visit.cache = CacheMode::cold;  // as in a decode step: weights from DRAM
        std::shared_ptr<KernelCase> k;
        bool built = false;
        if (cache) {
            built = !cache->holds(c.name);
            try {
                k = cache->get(c, ctx.clock().threads());
            } catch (const UnavailableError&) {
                k = nullptr;  // measured below its own way, which reports it unavailable
            }
        }
        setup_s = now_seconds() - t0;
        if (k) {
            visit.validate = !cache->validated(c.name);
            // A later visit of a long kernel (>= 10 ms a call) starts sampling at once: a warm-up
            // call would cost as much as a sample, and the low-quantile estimator already
            // discounts a first sample slowed by cold caches.
            if (!visit.validate && cache->call_seconds(c.name) >= 0.01) visit.sampler.warmup_s = 0;
            r = measure_case(*k, visit, ctx);
            if (visit.validate && r.validated && r.status == CaseStatus::ok)
                cache->mark_validated(c.name, r.seconds());
            if (c.op == "kv_decode") r.op = "kv_decode";  // kept out of the attention rate fit
            phases.setups += built;
        } else {
            // Built, validated and timed in one call: its setup is not told apart from the rest.
            if (c.op == "gemm") {
                r = measure_gemm(c.gemm, visit, ctx);
            } else if (c.op == "memory") {
                MemOpCase m(c.memop, ctx.clock().threads());
                r = measure_case(m, visit, ctx);
            } else if (measured_cold(c)) {
                r = measure_quant_sweep_case(c, visit, ctx);
            } else {
                r = measure_attention_case(c, visit, ctx);
            }
            phases.setups += 1;
        }
    } catch (const UsageError& e) {
        r.name = c.name;
        r.op = c.op;
        r.status = CaseStatus::error;
        r.error = e.what();
    }
    r.params.emplace_back("calibration_role", c.held_out ? "held_out" : "fit");
    const double total = now_seconds() - t0;
    const double sampling = r.measurement.warmup_s + r.measurement.elapsed_s;
    phases.visits += 1;
    phases.validations += r.validation_s > 0;
    phases.setup_s += setup_s;
    phases.validate_s += r.validation_s;
    phases.setup_by_op[c.op] += setup_s;
    phases.validate_by_op[c.op] += r.validation_s;
    phases.sampling_s += sampling;
    phases.other_s += std::max(0.0, total - setup_s - r.validation_s - sampling);
    return r;
}

}  // namespace flopmeter
