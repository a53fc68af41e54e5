#include "measure/sampler.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

namespace flopmeter {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

TimedFn steady_clock_timer(std::function<void()> run) {
    return [run = std::move(run)](std::int64_t calls) {
        const auto t0 = std::chrono::steady_clock::now();
        for (std::int64_t i = 0; i < calls; ++i) run();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
}

Measurement sample(const TimedFn& timed, const SamplerConfig& cfg,
                   const std::function<void(std::int64_t)>& between) {
    Measurement m;
    // Warm-up: page in buffers, spin up thread pools, settle clocks; estimate the call time.
    const double w0 = now_seconds();
    double last_call = 0;
    while (m.warmup_runs < cfg.min_warmup_runs || now_seconds() - w0 < cfg.warmup_s) {
        if (between) between(-1);
        last_call = timed(1);
        ++m.warmup_runs;
        if (now_seconds() - w0 > cfg.budget_s) break;  // a very long kernel: one warm-up is enough
    }
    m.warmup_s = now_seconds() - w0;
    if (cfg.batch && last_call > 0 && last_call < cfg.min_sample_s)
        m.calls_per_sample = std::int64_t(std::ceil(cfg.min_sample_s / last_call));

    const double s0 = now_seconds();
    for (;;) {
        const std::int64_t n = std::int64_t(m.samples.size());
        if (between) between(n);
        m.samples.push_back(timed(m.calls_per_sample) / double(m.calls_per_sample));
        if (n + 1 >= cfg.min_samples) {
            m.stats = summarize(m.samples);
            if (m.stats.ci_rel_halfwidth() <= cfg.target_rel_ci) {
                m.converged = true;
                m.stop_reason = "ci_target";
                break;
            }
        }
        if (n + 1 >= cfg.max_samples) {
            m.stop_reason = "max_samples";
            break;
        }
        if (now_seconds() - s0 >= cfg.budget_s) {
            m.stop_reason = "budget";
            break;
        }
    }
    m.elapsed_s = now_seconds() - s0;
    m.stats = summarize(m.samples);
    return m;
}

void merge_measurement(Measurement& into, const Measurement& more, const SamplerConfig& cfg) {
    const std::int64_t offset = std::int64_t(into.samples.size());
    into.samples.insert(into.samples.end(), more.samples.begin(), more.samples.end());
    for (auto f : more.flagged) into.flagged.push_back(f + offset);
    into.warmup_runs += more.warmup_runs;
    into.warmup_s += more.warmup_s;
    into.elapsed_s += more.elapsed_s;
    into.stats = summarize(into.samples);
    into.converged =
        into.stats.n >= cfg.min_samples && into.stats.ci_rel_halfwidth() <= cfg.target_rel_ci;
    into.stop_reason = into.converged ? "ci_target" : more.stop_reason;
}

std::string unconverged_message(const Measurement& m, const SamplerConfig& cfg) {
    if (m.converged) return "";
    char buf[256];
    if (m.stats.n < cfg.min_samples) {
        std::snprintf(
            buf, sizeof buf,
            "UNCONVERGED: only %lld samples fit in the %.3g s budget (minimum %d); raise --budget",
            static_cast<long long>(m.stats.n), cfg.budget_s, cfg.min_samples);
    } else {
        std::snprintf(
            buf, sizeof buf,
            "UNCONVERGED: 95%% CI of the median is +-%.2f%% after %lld samples (target %.2f%%)",
            100.0 * m.stats.ci_rel_halfwidth(), static_cast<long long>(m.stats.n),
            100.0 * cfg.target_rel_ci);
    }
    return buf;
}

}  // namespace flopmeter
