// `flopmeter bench cuda-gemm`: validate, then time GPU GEMMs (cuBLASLt and the own kernels) side
// by side, with CUDA events, the SM clock and throttle reasons per case, and energy per FLOP.
#include <memory>
#include <string>
#include <vector>

#include "cli/bench_printer.hpp"
#include "cli/commands.hpp"
#include "cli/cuda_cli.hpp"
#include "cli/sampler_flags.hpp"
#include "core/error.hpp"
#include "core/shape_presets.hpp"
#include "kernels/cuda/gemm/gpu_gemm_problem.hpp"
#include "measure/sampler.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include <optional>
#include <sstream>

#include "core/text_table.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "measure/cuda/gpu_gemm_case.hpp"
#include "measure/provenance.hpp"
#endif

namespace flopmeter {

namespace {

struct BenchCudaGemmOptions {
    std::vector<std::int64_t> m, n, k, size;
    std::string preset;
    std::vector<std::string> modes{"bf16"}, layouts{"nn"}, backends{"cublas", "own"};
    double alpha = 1.0, beta = 0.0;
    BenchOutputs out;
    int rounds = 1;
    SamplerConfig sampler;
    std::string cache = "warm";
    double energy_s = 0.5;
};

using Shape = GemmShape;

std::vector<Shape> collect_shapes(const BenchCudaGemmOptions& o) {
    std::vector<Shape> shapes;
    for (auto s : o.size) shapes.push_back({s, s, s});
    if (!o.m.empty() || !o.n.empty() || !o.k.empty()) {
        if (o.m.empty() || o.n.empty() || o.k.empty())
            throw UsageError("give all of --m, --n and --k (or --size for square shapes)");
        for (auto m : o.m)
            for (auto n : o.n)
                for (auto k : o.k) shapes.push_back({m, n, k});
    }
    if (!o.preset.empty())
        for (const auto& sh : gemm_preset("cuda-gemm", o.preset).shapes) shapes.push_back(sh);
    if (shapes.empty())
        throw UsageError("no shape given: use --size S, --m M --n N --k K, or --preset " +
                         preset_names("cuda-gemm"));
    return shapes;
}

// Everything that needs no device: parsed modes, layouts, shapes and sampler settings.
struct Parsed {
    std::vector<GemmMode> modes;
    std::vector<Layout> layouts;
    std::vector<Shape> shapes;
};

Parsed parse_and_check(const BenchCudaGemmOptions& o) {
    Parsed p;
    for (const auto& s : o.modes) {
        auto m = parse_gemm_mode(s);
        if (!m) throw UsageError("unknown --mode '" + s + "' (valid: fp32, tf32, fp16, bf16, fp8)");
        p.modes.push_back(*m);
    }
    for (const auto& s : o.layouts) {
        auto l = parse_layout(s);
        if (!l) throw UsageError("unknown --layout '" + s + "' (valid: nn, nt, tn)");
        p.layouts.push_back(*l);
    }
    p.shapes = collect_shapes(o);
    for (const auto& s : p.shapes)
        for (GemmMode m : p.modes)
            check_gpu_gemm_problem(GpuGemmProblem{s.m, s.n, s.k, Layout::nn, m, o.alpha, o.beta});
    check_sampler_flags(o.sampler);
    if (o.rounds < 1) throw UsageError("--rounds must be at least 1");
    if (o.energy_s < 0) throw UsageError("--energy must be >= 0 seconds");
    if (o.cache != "warm" && o.cache != "cold")
        throw UsageError("unknown --cache '" + o.cache + "' (valid: warm, cold)");
    return p;
}

#ifdef FLOPMETER_HAVE_CUDA

std::string param(const CaseResult& r, const std::string& key, const std::string& dflt = "-") {
    for (const auto& [k, v] : r.params)
        if (k == key) return v;
    return dflt;
}

int run_bench_cuda_gemm(const BenchCudaGemmOptions& o, Io io) {
    check_bench_outputs(o.out, io);
    const Parsed parsed = parse_and_check(o);
    for (const auto& b : o.backends) find_gpu_gemm_backend(b);  // unknown names are usage errors
    require_cuda_device();

    std::vector<GpuGemmCaseSpec> specs;
    for (GemmMode m : parsed.modes)
        for (Layout l : parsed.layouts)
            for (const auto& s : parsed.shapes)
                for (const auto& b : o.backends)
                    specs.push_back({b, GpuGemmProblem{s.m, s.n, s.k, l, m, o.alpha, o.beta}});
    // A request nothing of which can run here is an error before anything runs.
    std::string why;
    bool any = false;
    for (const auto& s : specs) {
        const GpuGemmBackend& b = find_gpu_gemm_backend(s.backend);
        if (!b.supports(s.problem.mode)) {
            why = "backend '" + b.name + "' does not run " +
                  std::string(gemm_mode_name(s.problem.mode));
        } else if (auto w = b.unavailable(s.problem)) {
            why = "backend '" + b.name + "': " + *w;
        } else {
            any = true;
        }
    }
    if (!any) throw UnavailableError("nothing requested can run on this GPU: " + why);
    // A problem larger than the whole device is bad input: say so before measuring anything.
    const CudaDeviceInfo& dev = cuda_device();
    for (const auto& s : specs)
        if (gpu_gemm_footprint_bytes(s.problem) > 0.95 * double(dev.memory_bytes))
            throw UnavailableError(
                "out of device memory: GEMM " + describe(s.problem) + " needs " +
                fmt_fixed(gpu_gemm_footprint_bytes(s.problem) / 1073741824.0, 2) +
                " GiB for its operands; " + dev.name + " has " +
                fmt_fixed(double(dev.memory_bytes) / 1073741824.0, 2) + " GiB");

    MeasureOptions mo;
    mo.sampler = o.sampler;
    mo.cache = o.cache == "cold" ? CacheMode::cold : CacheMode::warm;
    CudaMeasureOptions g;
    g.energy_s = o.energy_s;
    MeasureContext ctx(1);
    ResultsDocument doc;
    doc.provenance = collect_provenance();
    const GpuProvenance gpu = collect_gpu_provenance();

    std::vector<BenchItem> items;
    for (const auto& s : specs) {
        BenchItem it{gpu_gemm_case_name(s), s.backend, std::nullopt, {}};
        if (!find_gpu_gemm_backend(s.backend).supports(s.problem.mode))
            it.unavailable = gpu_gemm_unavailable_result(
                s, "backend does not run " + std::string(gemm_mode_name(s.problem.mode)));
        else
            it.measure = [s, &mo, &ctx, &g] { return measure_gpu_gemm(s, mo, ctx, g); };
        items.push_back(std::move(it));
    }
    BenchRunOptions ro;
    ro.rounds = o.rounds;
    ro.group = o.backends.size();
    ro.sampler = o.sampler;
    ro.only = o.out.cases;
    ro.settle_ms = 0;  // no host threads to settle
    doc.results = run_bench(items, ro, bench_progress_printer(io.err, o.out.progress));
    for (const auto& w : ctx.warnings()) doc.warnings.push_back(w);

    BenchTable t;
    t.id_headers = {"backend", "mode", "layout", "M", "N", "K"};
    t.ids = [](const CaseResult& r, std::size_t) {
        return std::vector<std::string>{r.backend,
                                        r.dtype,
                                        param(r, "layout"),
                                        std::to_string(r.dims[0].second),
                                        std::to_string(r.dims[1].second),
                                        std::to_string(r.dims[2].second)};
    };
    t.metric_headers = {"time", "TFLOP/s", "GB/s", "CI95", "n", "SM MHz", "W", "pJ/FLOP"};
    t.metrics = [](const CaseResult& r, std::size_t) {
        return std::vector<std::string>{fmt_time(r.seconds()),
                                        fmt_fixed(r.model_flops_per_s() / 1e12, 1),
                                        fmt_fixed(r.bytes_per_s() / 1e9, 0),
                                        bench_ci_cell(r, false),
                                        std::to_string(r.measurement.stats.n),
                                        param(r, "sm_clock_mhz"),
                                        param(r, "power_w"),
                                        param(r, "energy_pj_per_model_flop")};
    };
    t.backends = o.backends;
    t.ratio_key = [](const CaseResult& r, std::size_t) {
        std::string k = r.dtype + "/" + param(r, "layout");
        for (const auto& [n, v] : r.dims) k += "/" + std::to_string(v);
        return k;
    };
    t.kernel_header = "kernel";
    t.all_case_warnings = true;
    std::ostringstream title;
    title << "GEMM on " << gpu.name << " (cc " << gpu.cc_major << "." << gpu.cc_minor << ", "
          << gpu.sms << " SMs, driver " << gpu.driver_version
          << ") | model FLOPs (2MNK) over the median GPU time (CUDA events, blocking kernel) | "
          << o.cache << " L2 | stop at CI95 +-" << fmt_sig(100.0 * o.sampler.target_rel_ci, 3)
          << "% or " << fmt_sig(o.sampler.budget_s, 3) << " s per case\n\n";
    BenchReport rep;
    rep.title = title.str();
    rep.json = [&gpu](const ResultsDocument& d) { return gpu_results_json(d, gpu); };
    return print_bench_report(doc, t, rep, o.out, io);
}

#else

int run_bench_cuda_gemm(const BenchCudaGemmOptions& o, Io) {
    parse_and_check(o);  // usage errors first, as in a CUDA build
    throw_built_without_cuda();
}

#endif

}  // namespace

void register_bench_cuda_gemm(CLI::App& bench, Io io, Action& action) {
    auto o = std::make_shared<BenchCudaGemmOptions>();
    CLI::App* sub = bench.add_subcommand(
        "cuda-gemm",
        "GPU GEMM (cuBLASLt and own kernels), C = alpha*op(A)*op(B) + beta*C, row-major");
    sub->add_option("--m", o->m, "Rows of C (list: 1024,2048)")->delimiter(',');
    sub->add_option("--n", o->n, "Columns of C (list)")->delimiter(',');
    sub->add_option("--k", o->k, "Inner dimension (list)")->delimiter(',');
    sub->add_option("--size", o->size, "Square shapes M=N=K (list)")->delimiter(',');
    sub->add_option("--preset", o->preset, preset_help("cuda-gemm"));
    sub->add_option("--mode", o->modes, "fp32, tf32, fp16, bf16, fp8 (list; default bf16)")
        ->delimiter(',');
    sub->add_option("--layout", o->layouts, "nn, nt, tn (list; fp8 runs nt)")->delimiter(',');
    sub->add_option(
           "--backend", o->backends,
           "cublas, own, own-simt, own-mma, own-wgmma (list: side by side; default cublas,own)")
        ->delimiter(',');
    sub->add_option("--alpha", o->alpha, "alpha (default 1)");
    sub->add_option("--beta", o->beta, "beta (default 0)");
    add_bench_output_flags(sub, o->out);
    sub->add_option(
        "--rounds", o->rounds,
        "Measure every case this many times round-robin and pool the samples (default 1)");
    add_sampler_flags(sub, o->sampler, "2");
    sub->add_option("--cache", o->cache,
                    "warm (default) or cold: the L2 is scrubbed before every sample");
    sub->add_option(
        "--energy", o->energy_s,
        "Seconds of back-to-back calls for power and joules per FLOP (NVML; 0 = off; default 0.5)");
    sub->callback([o, io, &action] { action = [o, io] { return run_bench_cuda_gemm(*o, io); }; });
}

}  // namespace flopmeter
