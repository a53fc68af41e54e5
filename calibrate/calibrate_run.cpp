#include "calibrate/calibrate_run.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "calibrate/attention_hook.hpp"
#include "calibrate/case_cache.hpp"
#include "calibrate/fit.hpp"
#include "calibrate/interleaved_sweep.hpp"
#include "calibrate/profile.hpp"
#include "calibrate/quant_sweep.hpp"
#include "calibrate/sweep.hpp"
#include "calibrate/visit_case.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/memory_info.hpp"
#include "core/text_table.hpp"
#include "core/thread_pool.hpp"
#include "measure/memop_case.hpp"
#include "measure/result_json.hpp"
#include "measure/roofline/bandwidth.hpp"
#include "measure/roofline/peak.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include <cctype>

#include "kernels/cuda/attention/gpu_attention_backend.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "kernels/cuda/gemm/gpu_gemm_backend.hpp"
#include "measure/cuda/cuda_sweep.hpp"
#include "measure/cuda/gpu_attention_case.hpp"
#include "measure/cuda/gpu_gemm_case.hpp"
#include "measure/cuda/gpu_provenance.hpp"
#include "measure/cuda/roofline/cuda_roofline.hpp"
#endif

namespace flopmeter {

namespace {

// Quick mode: no re-measurement starts after this many seconds of the run, so the whole
// calibration (ceilings, two passes, re-measurement, fit) stays within 60 s on 2 cores: a
// re-visit is one kept, validated case's samples (under 0.5 s), the fit and the write well
// under a second.
constexpr double kQuickRemeasureUntilS = 57.0;

bool stop_requested(const CalibrateOptions& o) {
    return o.stop_requested && o.stop_requested();
}

std::string now_utc() {
    std::time_t t = std::time(nullptr);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return b;
}

std::string fmt(const char* f, double x) {
    char b[64];
    std::snprintf(b, sizeof b, f, x);
    return b;
}

void measure_ceilings(DeviceProfile& p, int threads, bool full, std::ostream& err) {
    for (PeakKind k :
         {PeakKind::fp32_fma, PeakKind::fp64_fma, PeakKind::bf16_dot, PeakKind::int8_dot}) {
        if (!peak_kernel(k)) continue;
        err << "ceiling " << peak_kind_name(k) << "\n";
        const PeakResult r = measure_peak(k, threads, full ? 7 : 3);
        const std::string dtype = k == PeakKind::fp32_fma   ? "fp32"
                                  : k == PeakKind::fp64_fma ? "fp64"
                                  : k == PeakKind::bf16_dot ? "bf16"
                                                            : "int8";
        p.ceilings.push_back({dtype, r.flops_per_s, threads, r.kernel,
                              "measured: best of " + std::to_string(r.trials) + " trials, spread " +
                                  fmt("%.1f%%", 100 * r.spread)});
    }
    // bf16 on a CPU without a bf16 dot product runs at the fp32 rate (widening kernels).
    if (p.ceiling("bf16") <= 0 && p.ceiling("fp32") > 0)
        p.ceilings.push_back({"bf16", p.ceiling("fp32"), threads,
                              "fp32 fma (no bf16 dot product on this CPU)",
                              "measured fp32 ceiling"});
    for (const auto& level : bandwidth_levels(threads)) {
        BwLevel l = level;
        if (!full && l.name == "DRAM")
            l.bytes_per_thread = std::min<std::int64_t>(l.bytes_per_thread, 128ll << 20);
        for (BwKernel k : full ? std::vector<BwKernel>{BwKernel::read, BwKernel::write,
                                                       BwKernel::copy, BwKernel::triad}
                               : std::vector<BwKernel>{BwKernel::read, BwKernel::triad}) {
            err << "bandwidth " << l.name << " " << bw_kernel_name(k) << "\n";
            const BandwidthResult b =
                measure_bandwidth(l, k, threads, full ? 5 : 3, l.name == "DRAM" ? 0.05 : 0.01);
            p.bandwidth.push_back(
                {b.level, bw_kernel_name(b.kernel), b.stream_bytes_per_s, b.wa_bytes_per_s,
                 b.working_set,
                 "measured (" + b.isa + ", " + std::to_string(threads) + " threads)"});
        }
    }
}

void print_summary(const DeviceProfile& p, double elapsed, std::ostream& out) {
    out << "Profile " << p.name << " (" << p.description << "), "
        << (p.complete ? "complete" : "INCOMPLETE") << ", " << p.measurements.size()
        << " measurements in " << fmt("%.1f", elapsed) << " s\n\n";
    Table c({"ceiling", "GFLOP/s", "kernel"});
    for (const auto& x : p.ceilings)
        c.add_row({x.dtype, fmt("%.1f", x.flops_per_s / 1e9), x.kernel});
    c.print(out);
    out << "\n";
    Table b({"bandwidth", "kernel", "GB/s"});
    for (const auto& x : p.bandwidth)
        b.add_row({x.level, x.kernel, fmt("%.1f", x.bytes_per_s / 1e9)});
    b.print(out);
    out << "\nRate model: " << p.rate_model.ops.size() << " op models; held-out prediction error "
        << "(targets: median <= 8%, 90th percentile <= 20%)\n\n";
    Table h({"op", "held-out shapes", "median |error|", "p90 |error|", "target"});
    for (const auto& s : p.held_out_summary) {
        const bool ok = s.median_abs_error <= 0.08 && s.p90_abs_error <= 0.20;
        h.add_row({s.op, std::to_string(s.points), fmt("%.1f%%", 100 * s.median_abs_error),
                   fmt("%.1f%%", 100 * s.p90_abs_error), ok ? "met" : "MISSED"});
    }
    h.print(out);
    for (const auto& w : p.warnings) out << "WARNING: " << w << "\n";
}

// The end of every calibration: fit, mark complete, write, print, and hand the profile on.
int finish_profile(DeviceProfile& p, const CalibrateOptions& o, const Provenance& prov, double t0,
                   std::ostream& out) {
    fit_profile(p);
    p.complete = true;
    write_profile_file(o.out, p);
    print_summary(p, now_seconds() - t0, out);
    out << "\nProfile written to " << o.out << "\n";
    if (o.on_complete) o.on_complete(p, prov);
    return 0;
}

#ifdef FLOPMETER_HAVE_CUDA

// `--device cuda`: the GPU's roofline as the profile's ceilings and bandwidth, then the GPU
// sweep (measure/cuda/cuda_sweep.hpp) case by case, written after every case like the CPU's.
int run_cuda_calibration(const CalibrateOptions& o, std::ostream& out, std::ostream& err) {
    if (o.out.empty()) throw UsageError("--out FILE is required (where the profile is written)");
    check_writable_path(o.out);
    if (o.threads != 0) throw UsageError("--threads does not apply to --device cuda");
    if (o.price_per_hour < 0 || o.tdp_watts < 0)
        throw UsageError("--price and --tdp must not be negative");
    CudaSweepOptions so;
    so.mode = o.mode;
    if (!o.backends.empty()) so.gemm_backends = o.backends;
    for (const auto& b : so.gemm_backends)
        find_gpu_gemm_backend(b);  // unknown names are usage errors
    for (const auto& b : so.attention_backends) find_gpu_attention_backend(b);
    const std::vector<CudaSweepCase> plan = plan_cuda_sweep(so);
    require_cuda_device();  // "no CUDA device: ..." (exit 2) before anything is written
    const Provenance prov = collect_provenance();
    const GpuProvenance gpu = collect_gpu_provenance();

    DeviceProfile p;
    if (!o.resume.empty()) {
        p = read_profile_file(o.resume);
        if (p.kind != "measured" || p.device != "cuda")
            throw UsageError("--resume: '" + o.resume + "' is not a measured CUDA profile");
        if (p.complete)
            throw UsageError("--resume: '" + o.resume + "' is already complete; nothing to resume");
        if (p.fingerprint != gpu.fingerprint())
            throw UsageError("--resume: '" + o.resume + "' was measured on another GPU (" +
                             p.fingerprint + ", this one " + gpu.fingerprint() +
                             "); refusing to mix measurements");
        if (p.mode != o.mode)
            throw UsageError("--resume: '" + o.resume + "' is a " + p.mode + " calibration, not " +
                             o.mode);
        if (p.backends != so.gemm_backends)
            throw UsageError("--resume: --backend differs from the partial profile's");
    } else {
        std::string slug;
        for (char ch : gpu.name)
            slug += std::isalnum(static_cast<unsigned char>(ch)) ? char(std::tolower(ch)) : '-';
        p.kind = "measured";
        p.device = "cuda";
        p.name = o.name.empty() ? "cuda-" + slug : o.name;
        p.description = gpu.name + " (cc " + std::to_string(gpu.cc_major) + "." +
                        std::to_string(gpu.cc_minor) + ", " + std::to_string(gpu.sms) +
                        " SMs, measured)";
        p.mode = o.mode;
        p.backends = so.gemm_backends;
        p.created_utc = now_utc();
        p.fingerprint = gpu.fingerprint();
        p.provenance = provenance_to_json(prov);
        p.provenance["gpu"] = gpu_provenance_to_json(gpu);
    }
    p.complete = false;
    p.facts.name = p.description;
    p.facts.kind = "measured";
    p.facts.memory_bytes = double(gpu.memory_bytes);
    p.facts.devices_per_node = 1;
    if (o.price_per_hour > 0) {
        p.facts.price_per_hour = o.price_per_hour;
        p.sources["price_per_hour"] = "given with --price";
    }
    if (o.tdp_watts > 0 || (p.facts.tdp_watts <= 0 && gpu.power_limit_w > 0)) {
        p.facts.tdp_watts = o.tdp_watts > 0 ? o.tdp_watts : gpu.power_limit_w;
        p.sources["tdp_watts"] = o.tdp_watts > 0 ? "given with --tdp" : "NVML power limit";
    }
    p.planned.clear();
    for (const auto& c : plan) p.planned.push_back(c.name);

    const double t0 = now_seconds();
    auto save = [&] { write_profile_file(o.out, p); };
    auto interrupted = [&] {
        if (!stop_requested(o)) return false;
        save();
        err << "flopmeter: interrupted: " << p.measurements.size() << " of " << plan.size()
            << " cases kept in " << o.out << " (marked incomplete); continue with --resume "
            << o.out << "\n";
        return true;
    };

    if (p.ceilings.empty()) {
        CudaRooflineOptions ro;
        ro.quick = o.mode != "full";
        const CudaRoofline r = measure_cuda_roofline(ro, &err);
        for (const auto& c : r.ceilings)
            if (c.flops_per_s > 0)
                p.ceilings.push_back({c.dtype, c.flops_per_s, 0, c.kernel + " (" + c.kind + ")",
                                      "measured: " + c.source});
        for (const auto& b : r.bandwidth)
            if (b.bytes_per_s > 0)
                p.bandwidth.push_back({b.level, b.kernel, b.bytes_per_s, 0.0, b.working_set,
                                       "measured (GPU " + b.kernel + ")"});
        p.facts.memory_bandwidth = p.dram_bandwidth();
        p.sources["memory_bandwidth"] =
            "measured HBM bandwidth (flopmeter calibrate --device cuda)";
        p.facts.fp32_peak = p.ceiling("fp32");
        p.facts.fp64_peak = p.ceiling("fp64");
        p.facts.bf16_peak = p.ceiling("bf16");
        p.facts.fp16_peak = p.ceiling("fp16");
        p.facts.fp8_peak = p.ceiling("fp8");
        save();
        if (interrupted()) return 130;
    }

    MeasureOptions mo;
    const bool full = o.mode == "full";
    mo.sampler.budget_s = full ? 0.6 : 0.25;
    mo.sampler.min_samples = 5;
    mo.sampler.target_rel_ci = full ? 0.01 : 0.02;
    for (const auto& c : p.ceilings)
        mo.ceilings[c.dtype] = std::max(mo.ceilings[c.dtype], c.flops_per_s);
    MeasureContext ctx(1);
    CudaMeasureOptions g;
    g.energy_s = 0;  // energy windows are `bench cuda-*`'s; the calibration measures time

    std::set<std::string> done;
    for (const auto& m : p.measurements) done.insert(m.name);
    std::size_t i = done.size();
    for (const auto& c : plan) {
        if (done.count(c.name)) continue;
        err << "[" << ++i << "/" << plan.size() << "] " << c.name
            << (c.held_out ? " (held out)" : "") << "\n";
        CaseResult r =
            c.op == "gemm"
                ? measure_gpu_gemm(GpuGemmCaseSpec{c.backend, c.gemm}, mo, ctx, g)
                : measure_gpu_attention(GpuAttentionCaseSpec{c.backend, c.attention}, mo, ctx, g);
        r.name = c.name;  // the planned name, which --resume matches
        r.params.emplace_back("calibration_role", c.held_out ? "held_out" : "fit");
        r.measurement.samples.shrink_to_fit();
        if (r.status != CaseStatus::ok) p.warnings.push_back(r.name + ": " + r.error);
        p.measurements.push_back(std::move(r));
        save();
        if (interrupted()) return 130;
    }
    for (const auto& w : ctx.warnings()) p.warnings.push_back(w);
    return finish_profile(p, o, prov, t0, out);
}

#endif

}  // namespace

int run_calibration(const CalibrateOptions& o, std::ostream& out, std::ostream& err) {
    if (o.out == "-")
        throw UsageError(
            "--out needs a file name: the profile is saved there as it grows (--resume)");
    if (o.device == "cuda" || o.device == "all") {
#ifndef FLOPMETER_HAVE_CUDA
        throw UnavailableError("--device " + o.device + ": flopmeter was built without CUDA");
#else
        // One device per profile: a CPU and a GPU profile are separate files.
        if (o.device == "all")
            throw UsageError(
                "--device all: a profile describes one device; run --device cpu and --device cuda "
                "with separate --out files");
        return run_cuda_calibration(o, out, err);
#endif
    } else if (o.device != "cpu") {
        throw UsageError("unknown --device '" + o.device + "' (valid: cpu, cuda, all)");
    }
    if (o.out.empty()) throw UsageError("--out FILE is required (where the profile is written)");
    check_writable_path(o.out);
    if (o.price_per_hour < 0 || o.tdp_watts < 0)
        throw UsageError("--price and --tdp must not be negative");
    int threads = resolve_thread_count(o.threads);
    const Provenance prov = collect_provenance();

    DeviceProfile p;
    std::vector<std::string> backends = o.backends;
    if (!o.resume.empty()) {
        p = read_profile_file(o.resume);
        if (p.kind != "measured")
            throw UsageError("--resume: '" + o.resume + "' is not a measured profile");
        if (p.complete)
            throw UsageError("--resume: '" + o.resume + "' is already complete; nothing to resume");
        if (p.fingerprint != prov.fingerprint)
            throw UsageError("--resume: '" + o.resume +
                             "' was measured on another machine (fingerprint " + p.fingerprint +
                             ", this machine " + prov.fingerprint +
                             "); refusing to mix measurements");
        if (p.mode != o.mode)
            throw UsageError("--resume: '" + o.resume + "' is a " + p.mode + " calibration, not " +
                             o.mode);
        if (backends.empty()) backends = p.backends;
        if (backends != p.backends)
            throw UsageError("--resume: --backend differs from the partial profile's");
        // One thread count per profile: rates at 1 and 2 threads fitted together would describe
        // no configuration. Without --threads the partial profile's count is taken.
        if (const int had = profile_thread_count(p); had > 0) {
            if (o.threads == 0)
                threads = had;
            else if (threads != had)
                throw UsageError("--resume: '" + o.resume + "' was measured with " +
                                 std::to_string(had) + " thread(s), not " +
                                 std::to_string(threads) + "; resume with --threads " +
                                 std::to_string(had) + " (or start a new profile)");
        }
    } else {
        if (backends.empty())
            backends = o.mode == "full" ? std::vector<std::string>{"own", "openblas", "onednn"}
                                        : std::vector<std::string>{"own"};
        p.kind = "measured";
        p.device = "cpu";
        p.name = o.name.empty() ? "cpu-" + prov.fingerprint.substr(0, 8) : o.name;
        p.description = prov.cpu_model + " (" + std::to_string(threads) + " threads, measured)";
        p.mode = o.mode;
        p.backends = backends;
        p.created_utc = now_utc();
        p.fingerprint = prov.fingerprint;
        p.provenance = provenance_to_json(prov);
    }
    for (const auto& b : backends) find_gemm_backend(b);  // unknown names are usage errors
    p.complete = false;
    p.facts.name = p.description;
    p.facts.kind = "measured";
    p.facts.memory_bytes = double(prov.memory_bytes);
    p.facts.devices_per_node = 1;
    if (o.price_per_hour > 0) {
        p.facts.price_per_hour = o.price_per_hour;
        p.sources["price_per_hour"] = "given with --price";
    }
    if (o.tdp_watts > 0) {
        p.facts.tdp_watts = o.tdp_watts;
        p.sources["tdp_watts"] = "given with --tdp";
    }

    SweepOptions so;
    so.mode = o.mode;
    so.backends = backends;
    so.threads = threads;
    const std::vector<SweepCase> plan = plan_sweep(so);
    p.planned.clear();
    for (const auto& c : plan) p.planned.push_back(c.name);

    const double t0 = now_seconds();
    auto save = [&] { write_profile_file(o.out, p); };
    auto interrupted = [&] {
        if (!stop_requested(o)) return false;
        save();
        err << "flopmeter: interrupted: " << p.measurements.size() << " of " << plan.size()
            << " cases kept in " << o.out << " (marked incomplete); continue with --resume "
            << o.out << "\n";
        return true;
    };

    if (p.ceilings.empty()) {
        measure_ceilings(p, threads, o.mode == "full", err);
        err << "ceilings and bandwidth: " << fmt("%.1f", now_seconds() - t0) << " s\n";
        p.facts.memory_bandwidth = p.dram_bandwidth();
        p.sources["memory_bandwidth"] = "measured DRAM read bandwidth (flopmeter calibrate)";
        p.facts.fp32_peak = p.ceiling("fp32");
        p.facts.fp64_peak = p.ceiling("fp64");
        p.facts.bf16_peak = p.ceiling("bf16");
        save();
        if (interrupted()) return 130;
    }

    // Each case's budget is spread over `passes` short visits in interleaved passes, its
    // samples pooled; then contended and outlying points are visited again until the
    // deadline (calibrate/interleaved_sweep.hpp). Quick: 60 s in all on a 2-core machine.
    const bool full = o.mode == "full";
    InterleavedOptions io;
    io.passes = full ? 3 : 2;
    io.visit.budget_s = (full ? 0.6 : 0.15) / io.passes;
    io.visit.min_samples = 3;
    io.visit.target_rel_ci = full ? 0.01 : 0.02;
    io.visit.warmup_s = full ? 0.03 : 0.01;
    // At most half the plan: with the inputs shared, a quick run's passes end at 46-50 s and
    // the quarter it had (45 points) was always used up with time to spare; the 57 s deadline
    // is what bounds a quick run.
    io.remeasure_cap = std::max<std::size_t>(1, plan.size() / 2);
    io.remeasure_deadline = o.mode == "quick" ? t0 + kQuickRemeasureUntilS : 0.0;
    io.seed = std::hash<std::string>{}(p.fingerprint + p.created_utc);
    MeasureOptions mo;
    mo.sampler = io.visit;
    for (const auto& c : p.ceilings) mo.ceilings[c.dtype] = c.flops_per_s;
    MeasureContext ctx(threads);
    // Operands built once per case and kept for its later visits, up to 6 GiB and half the
    // available memory (the quick sweep peaks at about 3.5 GB resident, its inputs shared through
    // measure/operand_pool.hpp; a case beyond the budget is built, initialised and validated
    // again on every visit).
    CaseCache cache(std::min(6.0 * double(1ull << 30), 0.5 * double(available_memory_bytes())));
    // The partial profile (every sample of every case) is written at most every 2 s: a write
    // with fsync after each of several hundred visits cost seconds on a busy disk. A signal
    // still writes at once; a SIGKILL loses at most the last 2 s of visits.
    double last_save = now_seconds(), save_s = 0;
    const bool ok = run_interleaved_sweep(
        p, plan, io,
        [&](const SweepCase& c, VisitPhases& ph) { return measure_visit(c, mo, ctx, &cache, ph); },
        [&] {
            if (stop_requested(o)) return interrupted();
            if (now_seconds() - last_save >= 2.0) {
                const double w0 = now_seconds();
                save();
                last_save = now_seconds();
                save_s += last_save - w0;
            }
            return false;
        },
        err);
    if (!ok) return 130;
    err << "measured " << p.measurements.size() << " cases in " << fmt("%.1f", now_seconds() - t0)
        << " s (profile writes " << fmt("%.1f", save_s) << " s)\n";
    for (const auto& w : ctx.warnings()) p.warnings.push_back(w);
    return finish_profile(p, o, prov, t0, out);
}

}  // namespace flopmeter
