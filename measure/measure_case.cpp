#include "measure/measure_case.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "measure/cpu_share.hpp"
#include "measure/perf_counters.hpp"
#include "measure/thread_stall.hpp"

namespace flopmeter {

double KernelCase::timed_run(std::int64_t calls) {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < calls; ++i) run();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string cache_mode_name(CacheMode m) {
    return m == CacheMode::cold ? "cold" : "warm";
}

MeasureContext::MeasureContext(int threads) : clock_(threads) {}

CacheScrubber& MeasureContext::scrubber() {
    if (!scrubber_) scrubber_ = std::make_unique<CacheScrubber>();
    return *scrubber_;
}

void MeasureContext::warn(const std::string& w) {
    if (std::find(warnings_.begin(), warnings_.end(), w) == warnings_.end()) warnings_.push_back(w);
}

namespace {
constexpr double kProbeInterval = 0.1;  // seconds of sampling between clock probes in long cases

std::string fmt(const char* f, double x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, x);
    return buf;
}

}  // namespace

double test_slowdown_fraction(const std::string& name) {
    const char* e = std::getenv("FLOPMETER_TEST_SLOWDOWN");
    const std::string v = e ? e : "";
    const auto colon = v.rfind(':');
    if (colon == std::string::npos || colon == 0 ||
        name.find(v.substr(0, colon)) == std::string::npos)
        return 0.0;
    const double f = std::atof(v.c_str() + colon + 1);
    return f > 0 ? f : 0.0;
}

bool test_disturbed(const std::string& name) {
    const char* e = std::getenv("FLOPMETER_TEST_DISTURBED");
    return e && *e && name.find(e) != std::string::npos;
}

void spin_for(double seconds) {
    const double t0 = now_seconds();
    while (now_seconds() - t0 < seconds) {
    }
}

CaseResult measure_case(KernelCase& c, const MeasureOptions& o, MeasureContext& ctx) {
    CaseResult r = c.describe();
    r.cache_mode = cache_mode_name(o.cache);
    try {
        const double validate_t0 = now_seconds();
        ValidationReport v;
        if (o.validate) {
            v = c.validate();
        } else {
            v.passed = true;
            v.detail = "validated on an earlier visit";
        }
        const double validate_s = now_seconds() - validate_t0;
        r.validation_s = o.validate ? validate_s : 0.0;
        r.validated = v.passed;
        r.validation_max_error = v.max_error_ratio;
        r.validation_checked = v.checked;
        r.validation_detail = v.detail;
        if (!v.passed) {
            r.status = CaseStatus::validation_failed;
            r.error = "validation failed: " + v.detail;
            return r;
        }

        ClockMonitor& clock = ctx.clock();
        struct Probe {
            std::int64_t before_sample;  // probe taken before this sample index
            ClockReading reading;
        };
        std::vector<Probe> probes;
        if (o.probe_clock) probes.push_back({0, clock.probe()});

        SamplerConfig sc = o.sampler;
        // Validation just ran the kernel on these operands: its time counts as warm-up, so a
        // case whose one call outlasts the warm-up is not run an extra time before sampling.
        sc.warmup_s = std::max(0.0, sc.warmup_s - validate_s);
        if (sc.warmup_s == 0.0) sc.min_warmup_runs = 0;
        const bool cold = o.cache == CacheMode::cold;
        if (cold) sc.batch = false;  // one call per sample, caches scrubbed before each
        const int sets = std::max(1, c.operand_sets());
        int next_set = 0;
        double last_probe = now_seconds();
        auto between = [&](std::int64_t i) {
            if (cold) {
                if (sets > 1) c.select_operand_set(next_set++ % sets);
                if (c.host_caches_matter()) ctx.scrubber().scrub();
                c.flush_device_cache();
            }
            if (o.probe_clock && i > 0 && now_seconds() - last_probe >= kProbeInterval) {
                probes.push_back({i, clock.probe()});
                last_probe = now_seconds();
            }
        };
        const double slowdown = test_slowdown_fraction(r.name);  // TEST-ONLY, see measure_case.hpp
        if (slowdown > 0)
            r.warnings.push_back("TEST KNOB FLOPMETER_TEST_SLOWDOWN made this case " +
                                 fmt("%.3g", 100.0 * slowdown) +
                                 "% slower on purpose: not a real measurement");
        const CpuSnapshot cpu_before = cpu_snapshot();
        StallTracker stalls;  // per-member busy time of multi-threaded kernels, per call
        r.measurement = sample(
            [&](std::int64_t calls) {
                stalls.before();
                const double t = c.timed_run(calls);
                stalls.after();
                if (!(slowdown > 0)) return t;
                const double t0 = now_seconds();
                spin_for(slowdown * t);
                return t + (now_seconds() - t0);
            },
            sc, between);
        if (cold && sets > 1) c.select_operand_set(0);

        if (o.probe_clock) {
            probes.push_back({std::int64_t(r.measurement.samples.size()), clock.probe()});
            r.clock_ghz_before = probes.front().reading.min_ghz;
            r.clock_ghz_after = probes.back().reading.min_ghz;
            r.clock_ghz_min = r.clock_ghz_before;
            for (const auto& p : probes)
                r.clock_ghz_min = std::min(r.clock_ghz_min, p.reading.min_ghz);
            r.clock_ghz_reference = clock.reference_ghz();
            // A sample is flagged when the probe before or after it read slowed.
            for (std::size_t k = 0; k + 1 < probes.size(); ++k) {
                if (!clock.slowed(probes[k].reading) && !clock.slowed(probes[k + 1].reading))
                    continue;
                for (std::int64_t s = probes[k].before_sample; s < probes[k + 1].before_sample; ++s)
                    r.measurement.flagged.push_back(s);
            }
            r.contended = !r.measurement.flagged.empty();
            if (r.contended) {
                double min_fma = 0, skew = 0;
                for (const auto& p : probes) {
                    skew = std::max(skew, p.reading.start_skew_s);
                    if (p.reading.min_fma > 0)
                        min_fma =
                            min_fma > 0 ? std::min(min_fma, p.reading.min_fma) : p.reading.min_fma;
                }
                r.warnings.push_back(
                    "CONTENDED: the clock probe read " + fmt("%.2f", r.clock_ghz_min) +
                    " GHz against " + fmt("%.2f", r.clock_ghz_reference) + " GHz unloaded" +
                    (min_fma > 0 ? " and " + fmt("%.0f", 100.0 * min_fma / clock.reference_fma()) +
                                       "% of the unshared FMA rate"
                                 : std::string()) +
                    (skew > ClockMonitor::kMaxStartSkew
                         ? ", its threads starting up to " + fmt("%.2f", 1e3 * skew) + " ms apart"
                         : std::string()) +
                    "; " + std::to_string(r.measurement.flagged.size()) + " of " +
                    std::to_string(r.measurement.samples.size()) + " samples flagged");
            }
        }
        if (test_disturbed(r.name)) {  // TEST-ONLY, see measure_case.hpp
            r.measurement.flagged.clear();
            for (std::int64_t s = 0; s < std::int64_t(r.measurement.samples.size()); ++s)
                r.measurement.flagged.push_back(s);
            r.contended = true;
            r.warnings.push_back(
                "TEST KNOB FLOPMETER_TEST_DISTURBED flagged every sample of this case on purpose");
        }
        // A member of the thread team that ran its share much longer than the others in a sample
        // (host preemption of one vCPU): the probe and /proc/stat may both miss it.
        const StallReport stall = detect_stalled_threads(stalls.last(r.measurement.samples.size()));
        if (!stall.flagged.empty()) {
            auto& f = r.measurement.flagged;
            f.insert(f.end(), stall.flagged.begin(), stall.flagged.end());
            std::sort(f.begin(), f.end());
            f.erase(std::unique(f.begin(), f.end()), f.end());
            r.contended = true;
            r.warnings.push_back(stall_warning(stall, r.measurement.samples.size()));
        }
        // Other work on the CPUs this case needed (another process, a stolen vCPU): the whole
        // sampling interval is suspect, since /proc/stat cannot say which samples it hit.
        const CpuShare share = cpu_share_between(cpu_before, cpu_snapshot());
        const int case_threads = clock.threads();
        if (share.contends(case_threads)) {
            r.contended = true;
            r.warnings.push_back("CONTENDED: other processes took " +
                                 fmt("%.2f", share.others_cpus) + " CPUs and the hypervisor " +
                                 fmt("%.2f", share.steal_cpus) + " CPUs of " +
                                 std::to_string(share.online_cpus) + " while this case (" +
                                 std::to_string(case_threads) + " threads) was sampled");
        }
        if (!r.measurement.converged) r.warnings.push_back(unconverged_message(r.measurement, sc));

        if (o.count_flops) {
            const FlopCounterStatus& st = flop_counter_status();
            if (st.available) {
                FlopCounter fc;
                if (fc.start()) {
                    c.run();
                    r.counted_flops = fc.stop();
                }
            } else {
                ctx.warn("hardware FLOP counters unavailable (" + st.reason +
                         "): FLOPs come from the formulas only");
            }
        }
        if (auto it = o.ceilings.find(r.dtype); it != o.ceilings.end() && it->second > 0) {
            r.ceiling_flops_per_s = it->second;
            r.pct_of_ceiling = r.model_flops_per_s() / it->second;
        }
        if (auto it = o.datasheet_peaks.find(r.dtype);
            it != o.datasheet_peaks.end() && it->second > 0) {
            r.datasheet_flops_per_s = it->second;
            r.pct_of_datasheet = r.model_flops_per_s() / it->second;
        }
    } catch (const std::exception& e) {
        r.status = CaseStatus::error;
        r.error = e.what();
    }
    return r;
}

}  // namespace flopmeter
