#include "measure/cuda/cuda_case.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/cuda_context.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "measure/cuda/gpu_timing.hpp"
#include "measure/sampler.hpp"

namespace flopmeter {

namespace {

Nvml* bound_nvml() {
    Nvml& n = Nvml::instance();
    if (!n.available()) return nullptr;
    if (!n.bound()) {
        const CudaDeviceInfo& d = cuda_device();
        if (!n.bind_device(d.uuid, d.pci_bus_id)) return nullptr;
    }
    return &n;
}

std::string num(double x, const char* f = "%.6g") {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, x);
    return buf;
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

}  // namespace

std::string cuda_device_label() {
    const CudaDeviceInfo& d = cuda_device();
    return d.name + " (cc " + std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor) + ", " +
           std::to_string(d.sms) + " SMs)";
}

CudaCase::CudaCase() : stream_(cuda_context().stream) {
    cuda_timing();
}

void CudaCase::run() {
    enqueue(stream_);
    cuda_sync("kernel run");
}

void CudaCase::clear_log() {
    readings_.clear();
    spin_timeouts_ = 0;
}

double CudaCase::timed_run(std::int64_t calls) {
    CudaTiming& t = cuda_timing();
    Nvml* nvml = bound_nvml();
    double total = 0;
    for (std::int64_t left = calls; left > 0;) {
        const std::int64_t n = std::min(left, CudaTiming::kMaxQueuedCalls);
        t.block(stream_);
        try {
            FM_CUDA(cudaEventRecord(t.start(), stream_));
            for (std::int64_t i = 0; i < n; ++i) enqueue(stream_);
            FM_CUDA(cudaEventRecord(t.stop(), stream_));
        } catch (...) {
            t.release();
            cudaStreamSynchronize(stream_);
            throw;
        }
        t.release();
        if (nvml) readings_.push_back(nvml->read_clocks());  // the GPU is busy with the calls now
        cuda_check(cudaEventSynchronize(t.stop()), "the timed calls");
        cuda_check_launch("the timed calls");
        if (t.take_timed_out()) ++spin_timeouts_;
        float ms = 0;
        FM_CUDA(cudaEventElapsedTime(&ms, t.start(), t.stop()));
        total += double(ms) * 1e-3;
        left -= n;
    }
    return total;
}

void CudaCase::flush_device_cache() {
    cuda_timing().scrub_l2(stream_);
}

CaseResult measure_cuda_case(CudaCase& c, const MeasureOptions& o, MeasureContext& ctx,
                             const CudaMeasureOptions& g) {
    MeasureOptions go = o;
    go.probe_clock = false;  // the add-chain probe measures a CPU core
    go.count_flops = false;  // perf counters count CPU FLOPs
    c.clear_log();
    CaseResult r = measure_case(c, go, ctx);
    r.params.emplace_back("device", cuda_device_label());
    r.params.emplace_back("timer", "cuda_events+blocking_kernel");
    if (o.cache == CacheMode::cold)
        r.params.emplace_back("l2_scrub_bytes", std::to_string(cuda_timing().scrub_bytes()));
    if (r.status != CaseStatus::ok) return r;

    if (c.spin_timeouts() > 0)
        r.warnings.push_back("the blocking kernel timed out in " +
                             std::to_string(c.spin_timeouts()) +
                             " sample(s): launch overhead may be included in those");

    Nvml* nvml = bound_nvml();
    if (!nvml) {
        ctx.warn(Nvml::instance().reason() + ": no SM clock, throttle reasons or energy");
        return r;
    }
    std::vector<double> sm;
    std::uint64_t reasons = 0;
    int slowed = 0;
    unsigned mem = 0;
    for (const auto& x : c.readings())
        if (x.ok) {
            sm.push_back(double(x.sm_mhz));
            mem = std::max(mem, x.mem_mhz);
            reasons |= x.reasons & ~kNvmlReasonGpuIdle;
            if (x.reasons & kNvmlSlowdownMask) ++slowed;
        }
    if (!sm.empty()) {
        std::vector<double> s = sm;
        std::sort(s.begin(), s.end());
        r.params.emplace_back("sm_clock_mhz", num(s[s.size() / 2], "%.0f"));
        r.params.emplace_back("sm_clock_mhz_min", num(s.front(), "%.0f"));
        r.params.emplace_back("sm_clock_mhz_max", num(s.back(), "%.0f"));
        r.params.emplace_back("mem_clock_mhz", std::to_string(mem));
        r.params.emplace_back("clock_reasons",
                              reasons ? join(decode_clock_reasons(reasons)) : "none");
        if (slowed > 0)
            r.warnings.push_back(
                "THROTTLED: " + join(decode_clock_reasons(reasons & kNvmlSlowdownMask)) +
                " during " + std::to_string(slowed) + " of " + std::to_string(sm.size()) +
                " samples (SM clock " + num(s.front(), "%.0f") + "-" + num(s.back(), "%.0f") +
                " MHz)");
    }

    // Energy window: back-to-back calls between two reads of the energy counter.
    if (g.energy_s > 0 && r.seconds() > 0) {
        if (!nvml->energy_j()) {
            ctx.warn("NVML has no energy counter on this GPU: no joules per FLOP");
            return r;
        }
        cudaStream_t s = cuda_context().stream;
        CudaTiming& t = cuda_timing();
        const double per_call = r.seconds();
        const auto calls = std::int64_t(std::clamp(std::ceil(g.energy_s / per_call), 1.0, 1e8));
        const std::int64_t chunk =
            std::clamp<std::int64_t>(std::int64_t(0.05 / per_call), 1, CudaTiming::kMaxQueuedCalls);
        cuda_sync("before the energy window");
        const double e0 = *nvml->energy_j(), w0 = now_seconds();
        FM_CUDA(cudaEventRecord(t.start(), s));
        struct ChunkEvents {  // two events, destroyed on every path out
            cudaEvent_t e[2] = {nullptr, nullptr};
            ~ChunkEvents() {
                for (auto x : e)
                    if (x) cudaEventDestroy(x);
            }
        } evs;
        FM_CUDA(cudaEventCreateWithFlags(&evs.e[0], cudaEventDisableTiming));
        FM_CUDA(cudaEventCreateWithFlags(&evs.e[1], cudaEventDisableTiming));
        cudaEvent_t prev = nullptr;
        std::int64_t done = 0;
        int which = 0;
        while (done < calls) {
            const std::int64_t n = std::min(chunk, calls - done);
            for (std::int64_t i = 0; i < n; ++i) c.enqueue(s);
            done += n;
            cudaEvent_t cur = evs.e[which];
            FM_CUDA(cudaEventRecord(cur, s));
            if (prev) FM_CUDA(cudaEventSynchronize(prev));  // at most two chunks queued
            prev = cur;
            which ^= 1;
        }
        FM_CUDA(cudaEventRecord(t.stop(), s));
        cuda_sync("the energy window");
        const double e1 = *nvml->energy_j(), w1 = now_seconds();
        float ms = 0;
        FM_CUDA(cudaEventElapsedTime(&ms, t.start(), t.stop()));
        const double wall = w1 - w0, joules = e1 - e0, busy = double(ms) * 1e-3;
        r.params.emplace_back("energy_window_s", num(wall, "%.3f"));
        if (!(joules > 0)) {
            r.warnings.push_back("the NVML energy counter did not advance in a " +
                                 num(wall, "%.3f") + " s window: no joules per FLOP");
            return r;
        }
        r.params.emplace_back("power_w", num(joules / wall, "%.1f"));
        r.params.emplace_back("energy_j_per_call", num(joules / double(calls)));
        if (r.model_flops > 0)
            r.params.emplace_back("energy_pj_per_model_flop",
                                  num(joules / double(calls) / r.model_flops * 1e12, "%.4g"));
        if (busy < 0.9 * wall)
            r.warnings.push_back("the energy window was busy " + num(100.0 * busy / wall, "%.0f") +
                                 "% of the time: joules per FLOP include idle power");
    }
    return r;
}

}  // namespace flopmeter
