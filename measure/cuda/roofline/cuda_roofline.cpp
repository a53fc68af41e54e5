#include "measure/cuda/roofline/cuda_roofline.hpp"

#include <algorithm>
#include <cstdio>

#include "kernels/cuda/common/cuda_check.hpp"
#include "kernels/cuda/common/cuda_context.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "kernels/cuda/common/device_buffer.hpp"
#include "measure/cuda/gpu_gemm_case.hpp"

namespace flopmeter {

namespace {

struct Events {
    cudaEvent_t a = nullptr, b = nullptr;
    Events() {
        FM_CUDA(cudaEventCreate(&a));
        FM_CUDA(cudaEventCreate(&b));
    }
    ~Events() {
        cudaEventDestroy(a);
        cudaEventDestroy(b);
    }
    // Seconds of the work `f` enqueues on `s`.
    template <class F>
    double time(cudaStream_t s, F&& f) {
        FM_CUDA(cudaEventRecord(a, s));
        f();
        FM_CUDA(cudaEventRecord(b, s));
        FM_CUDA(cudaEventSynchronize(b));
        cuda_check_launch("a roofline probe");
        float ms = 0;
        FM_CUDA(cudaEventElapsedTime(&ms, a, b));
        return double(ms) * 1e-3;
    }
};

struct Best {
    double best = 0, worst = 0;
    void add(double rate) {
        best = std::max(best, rate);
        worst = worst == 0 ? rate : std::min(worst, rate);
    }
    double spread() const { return best > 0 ? (best - worst) / best : 0; }
};

std::string fmt(const char* f, double x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, x);
    return buf;
}

CudaCeiling fma_ceiling(FmaProbe kind, const char* dtype, const char* kernel, int trials,
                        double trial_s, Events& ev, cudaStream_t s, void* sink) {
    const int blocks = cuda_device().sms * 8;
    // Size one launch to about trial_s from a short calibration run.
    int iters = 64;
    const double t0 = ev.time(s, [&] { launch_fma_probe(kind, blocks, iters, sink, s); });
    iters = int(std::clamp(double(iters) * trial_s / std::max(t0, 1e-6), 16.0, 1e7));
    Best b;
    for (int t = 0; t < trials; ++t) {
        double flops = 0;
        const double sec =
            ev.time(s, [&] { flops = launch_fma_probe(kind, blocks, iters, sink, s); });
        b.add(flops / sec);
    }
    CudaCeiling c;
    c.dtype = dtype;
    c.kind = "fma";
    c.flops_per_s = b.best;
    c.kernel = kernel;
    c.source =
        "best of " + std::to_string(trials) + " trials of " + fmt("%.0f", trial_s * 1e3) + " ms";
    c.spread = b.spread();
    return c;
}

}  // namespace

CudaRoofline measure_cuda_roofline(const CudaRooflineOptions& o, std::ostream* progress) {
    const CudaDeviceInfo& d = cuda_device();
    CudaRoofline r;
    r.device = collect_gpu_provenance();
    cudaStream_t s = cuda_context().stream;
    Events ev;
    DeviceBuffer sink(64, "the FMA probes' sink");
    const int trials = o.quick ? 3 : 5;
    const double trial_s = o.quick ? 0.01 : 0.03;
    auto say = [&](const std::string& m) {
        if (progress) *progress << m << '\n';
    };

    say("FMA ceilings (CUDA cores)");
    r.ceilings.push_back(fma_ceiling(FmaProbe::fp32, "fp32", "fma_probe fp32 8 chains", trials,
                                     trial_s, ev, s, sink.data()));
    r.ceilings.push_back(fma_ceiling(FmaProbe::fp64, "fp64", "fma_probe fp64 8 chains", trials,
                                     trial_s, ev, s, sink.data()));
    r.ceilings.push_back(fma_ceiling(FmaProbe::fp16x2, "fp16", "fma_probe hfma2 8 chains", trials,
                                     trial_s, ev, s, sink.data()));
    if (d.bf16)
        r.ceilings.push_back(fma_ceiling(FmaProbe::bf16x2, "bf16", "fma_probe bf16 hfma2 8 chains",
                                         trials, trial_s, ev, s, sink.data()));

    // HBM: arrays far beyond the L2, as large as comfortably fits.
    {
        size_t free_b = 0, total_b = 0;
        FM_CUDA(cudaMemGetInfo(&free_b, &total_b));
        std::int64_t per = o.quick ? (256ll << 20) : (1ll << 30);
        per = std::min<std::int64_t>(per, std::int64_t(free_b * 0.6 / 3.0));
        per = std::max<std::int64_t>(
            per, std::min<std::int64_t>(8 * d.l2_bytes, std::int64_t(free_b * 0.6 / 3.0)));
        per = per / (1 << 20) * (1 << 20);
        say("HBM bandwidth, " + std::to_string(per >> 20) + " MiB per array");
        DeviceBuffer a(std::size_t(per), "bandwidth array a"),
            b(std::size_t(per), "bandwidth array b"), c(std::size_t(per), "bandwidth array c");
        FM_CUDA(cudaMemsetAsync(a.data(), 0, std::size_t(per), s));
        FM_CUDA(cudaMemsetAsync(b.data(), 0x3c, std::size_t(per), s));
        FM_CUDA(cudaMemsetAsync(c.data(), 0x3c, std::size_t(per), s));
        const int blocks = d.sms * 8;
        auto run = [&](const char* name, double bytes, auto&& enqueue) {
            ev.time(s, enqueue);  // warm-up
            Best bb;
            for (int t = 0; t < trials + 2; ++t) bb.add(bytes / ev.time(s, enqueue));
            CudaBandwidth w;
            w.kernel = name;
            w.bytes_per_s = bb.best;
            w.working_set = std::int64_t(bytes);
            w.spread = bb.spread();
            r.bandwidth.push_back(w);
        };
        run("copy", 2.0 * double(per),
            [&] { launch_copy_kernel(a.data(), b.data(), per, blocks, s); });
        run("triad", 3.0 * double(per), [&] {
            launch_triad_kernel(a.as<float>(), b.as<float>(), c.as<float>(), 1.5f, per / 4, blocks,
                                s);
        });
        run("memcpy", 2.0 * double(per), [&] {
            FM_CUDA(
                cudaMemcpyAsync(a.data(), b.data(), std::size_t(per), cudaMemcpyDeviceToDevice, s));
        });
    }

    if (o.gemm) {
        MeasureOptions mo;
        mo.sampler.budget_s = o.quick ? 0.5 : 1.0;
        mo.sampler.min_samples = 10;
        MeasureContext ctx(1);
        CudaMeasureOptions g;
        g.energy_s = 0;
        std::vector<std::array<std::int64_t, 3>> shapes = {{8192, 8192, 8192}};
        if (!o.quick) shapes = {{4096, 4096, 4096}, {8192, 8192, 8192}, {16384, 8192, 8192}};
        struct M {
            GemmMode mode;
            const char* kind;
        };
        for (const M m : {M{GemmMode::bf16, "tensor_gemm"}, M{GemmMode::fp16, "tensor_gemm"},
                          M{GemmMode::tf32, "tensor_gemm"}, M{GemmMode::fp8, "tensor_gemm"},
                          M{GemmMode::fp32, "simt_gemm"}}) {
            CudaCeiling best;
            best.dtype = std::string(gemm_mode_name(m.mode));
            best.kind = m.kind;
            std::vector<Layout> layouts = {Layout::nt};
            if (!o.quick && m.mode != GemmMode::fp8) layouts.push_back(Layout::nn);
            for (const auto& sh : shapes)
                for (Layout l : layouts) {
                    GpuGemmCaseSpec spec{"cublas",
                                         GpuGemmProblem{sh[0], sh[1], sh[2], l, m.mode, 1.0, 0.0}};
                    say("cuBLAS " + describe(spec.problem));
                    const CaseResult cr = measure_gpu_gemm(spec, mo, ctx, g);
                    if (cr.status != CaseStatus::ok) {
                        say("  skipped: " + cr.error);
                        continue;
                    }
                    if (cr.model_flops_per_s() > best.flops_per_s) {
                        best.flops_per_s = cr.model_flops_per_s();
                        best.kernel = cr.kernel_set;
                        best.source = "cuBLAS " + describe(spec.problem) + ", median of " +
                                      std::to_string(cr.measurement.stats.n) + " samples";
                        best.spread = cr.measurement.stats.ci_rel_halfwidth();
                    }
                }
            if (best.flops_per_s > 0) r.ceilings.push_back(best);
        }
    }
    return r;
}

}  // namespace flopmeter
