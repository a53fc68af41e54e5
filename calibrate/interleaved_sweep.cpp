#include "calibrate/interleaved_sweep.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "calibrate/fit.hpp"
#include "calibrate/visit_plan.hpp"

namespace flopmeter {

namespace {

constexpr const char* kVisitsParam = "calibration_visits";

void set_visits(CaseResult& r, int v) {
    for (auto& [k, x] : r.params)
        if (k == kVisitsParam) {
            x = std::to_string(v);
            return;
        }
    r.params.emplace_back(kVisitsParam, std::to_string(v));
}

std::string fmt(const char* f, double x) {
    char b[64];
    std::snprintf(b, sizeof b, f, x);
    return b;
}

}  // namespace

int case_visits(const CaseResult& r) {
    for (const auto& [k, x] : r.params)
        if (k == kVisitsParam) return std::max(1, std::atoi(x.c_str()));
    return 1;
}

void pool_visit(CaseResult& into, CaseResult more, const SamplerConfig& cfg) {
    const int visits = case_visits(into) + 1;
    if (more.status != CaseStatus::ok || into.status != CaseStatus::ok) {
        if (into.status == CaseStatus::ok)
            into = std::move(more);  // a failure is never hidden by a pooled success
        set_visits(into, visits);
        return;
    }
    merge_measurement(into.measurement, more.measurement, cfg);
    into.contended = into.contended || more.contended;
    if (more.clock_ghz_min > 0 &&
        (into.clock_ghz_min <= 0 || more.clock_ghz_min < into.clock_ghz_min))
        into.clock_ghz_min = more.clock_ghz_min;
    into.clock_ghz_after = more.clock_ghz_after;
    into.clock_ghz_reference = std::max(into.clock_ghz_reference, more.clock_ghz_reference);
    auto& w = into.warnings;
    w.erase(std::remove_if(w.begin(), w.end(),
                           [](const std::string& x) { return x.rfind("UNCONVERGED", 0) == 0; }),
            w.end());
    for (auto& x : more.warnings)
        if (x.rfind("UNCONVERGED", 0) != 0 && std::find(w.begin(), w.end(), x) == w.end())
            w.push_back(std::move(x));
    if (!into.measurement.converged) w.push_back(unconverged_message(into.measurement, cfg));
    set_visits(into, visits);
}

bool run_interleaved_sweep(DeviceProfile& p, const std::vector<SweepCase>& plan,
                           const InterleavedOptions& o, const VisitFn& measure,
                           const AfterVisitFn& after, std::ostream& err, VisitPhases* phases) {
    std::map<std::string, std::size_t> at;  // case name -> index in p.measurements
    for (std::size_t i = 0; i < p.measurements.size(); ++i) at[p.measurements[i].name] = i;
    VisitPhases passes, again_phases;
    VisitPhases* now = &passes;
    // One visit, then the partial profile's bookkeeping; returns true when interrupted.
    auto visit = [&](const SweepCase& c) {
        CaseResult r = measure(c, *now);
        const double b0 = now_seconds();
        r.measurement.samples.shrink_to_fit();
        const auto it = at.find(c.name);
        if (it == at.end()) {
            set_visits(r, 1);
            at[c.name] = p.measurements.size();
            p.measurements.push_back(std::move(r));
        } else {
            pool_visit(p.measurements[it->second], std::move(r), o.visit);
        }
        const bool stop = after();
        now->bookkeeping_s += now_seconds() - b0;
        return stop;
    };
    auto report = [&](const char* what, const VisitPhases& v, double wall) {
        err << what << ": " << v.line() << " (wall " << fmt("%.1f", wall) << " s)\n";
        if (phases) phases->add(v);
    };

    const std::vector<Visit> schedule = interleaved_schedule(plan.size(), o.passes, o.seed);
    std::size_t todo = 0;
    auto visits_of = [&](std::size_t i) {
        const auto it = at.find(plan[i].name);
        return it == at.end() ? 0 : case_visits(p.measurements[it->second]);
    };
    for (const auto& v : schedule) todo += visits_of(v.index) <= v.pass;
    std::size_t n = 0;
    const double t0 = now_seconds();
    for (const auto& v : schedule) {
        if (visits_of(v.index) > v.pass) continue;  // done before a --resume
        const SweepCase& c = plan[v.index];
        const double avg = n ? (now_seconds() - t0) / double(n) : 0.0;
        const std::string eta = n ? " ETA " + fmt("%.0f", avg * double(todo - n)) + " s" : "";
        ++n;
        err << "[" << n << "/" << todo << "] " << c.name << " (pass " << v.pass + 1 << "/"
            << o.passes << (c.held_out ? ", held out" : "") << ")" << eta << "\n";
        if (visit(c)) {
            report("passes", passes, now_seconds() - t0);
            return false;
        }
    }
    report("passes", passes, now_seconds() - t0);

    // Re-measurement: a provisional fit says which fit points disagree with their neighbours.
    if (o.remeasure_cap == 0) return true;
    DeviceProfile provisional = p;
    fit_profile(provisional);
    const std::vector<double> loo = fit_point_errors(provisional);
    std::vector<PointHealth> health(p.measurements.size());
    for (std::size_t i = 0; i < p.measurements.size(); ++i) {
        const CaseResult& r = p.measurements[i];
        if (r.status != CaseStatus::ok) continue;
        bool held = false;
        for (const auto& [k, x] : r.params)
            held = held || (k == "calibration_role" && x == "held_out");
        health[i].contended = r.contended;
        health[i].flagged_fraction =
            r.measurement.samples.empty()
                ? 0.0
                : double(r.measurement.flagged.size()) / double(r.measurement.samples.size());
        health[i].fit_point = !held;
        health[i].loo_abs_error = std::fabs(loo[i]);
    }
    const std::vector<Remeasure> again =
        pick_remeasure(health, o.outlier_threshold, o.remeasure_cap);
    std::size_t done = 0;
    now = &again_phases;
    const double a0 = now_seconds();
    for (const auto& a : again) {
        if (o.remeasure_deadline > 0 && now_seconds() >= o.remeasure_deadline) break;
        const std::string& name = p.measurements[a.index].name;
        const auto it = std::find_if(plan.begin(), plan.end(),
                                     [&](const SweepCase& c) { return c.name == name; });
        if (it == plan.end()) continue;
        err << "[again " << ++done << "/" << again.size() << "] " << name << " (" << a.reason
            << ")\n";
        if (visit(*it)) {
            report("re-measurement", again_phases, now_seconds() - a0);
            return false;
        }
    }
    report("re-measurement", again_phases, now_seconds() - a0);
    if (!again.empty())
        p.warnings.push_back(
            std::to_string(again.size()) +
            " points looked disturbed (contended, or off their neighbours by more than " +
            fmt("%.0f%%", 100 * o.outlier_threshold) + "); " + std::to_string(done) +
            " measured again within the time budget" +
            (done < again.size() ? ": this machine was busy, calibrate again when it is quiet"
                                 : ""));
    return true;
}

}  // namespace flopmeter
