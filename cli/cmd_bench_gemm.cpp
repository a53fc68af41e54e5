// `flopmeter bench gemm`: validate then time GEMM cases; several backends print side by side
// with ratios to the first one listed.
#include <memory>
#include <optional>
#include <sstream>

#include "cli/bench_printer.hpp"
#include "cli/commands.hpp"
#include "cli/sampler_flags.hpp"
#include "core/error.hpp"
#include "core/shape_presets.hpp"
#include "core/text_table.hpp"
#include "core/thread_pool.hpp"
#include "measure/gemm_case.hpp"
#include "measure/result_json.hpp"
#include "measure/roofline/peak.hpp"
#include "measure/system_checks.hpp"

namespace flopmeter {

namespace {

struct BenchGemmOptions {
    std::vector<std::int64_t> m, n, k, size;
    std::string preset;
    std::vector<std::string> dtypes{"fp32"}, layouts{"nn"}, backends{"own"};
    int threads = 0;
    double alpha = 1.0, beta = 0.0;
    BenchOutputs out;
    SamplerConfig sampler;
    int rounds = 1;
    RecordFlags rec;
    std::string cache = "warm";
    bool no_probe = false;
};

using Shape = GemmShape;

std::vector<Shape> collect_shapes(const BenchGemmOptions& o) {
    std::vector<Shape> shapes;
    for (auto s : o.size) shapes.push_back({s, s, s});
    const bool any_mnk = !o.m.empty() || !o.n.empty() || !o.k.empty();
    if (any_mnk) {
        if (o.m.empty() || o.n.empty() || o.k.empty())
            throw UsageError("give all of --m, --n and --k (or --size for square shapes)");
        for (auto m : o.m)
            for (auto n : o.n)
                for (auto k : o.k) shapes.push_back({m, n, k});
    }
    if (!o.preset.empty())
        for (const auto& sh : gemm_preset("gemm", o.preset).shapes) shapes.push_back(sh);
    if (shapes.empty())
        throw UsageError("no shape given: use --size S, --m M --n N --k K, or --preset " +
                         preset_names("gemm"));
    return shapes;
}

template <class T, class Parse>
std::vector<T> parse_names(const std::vector<std::string>& names, Parse parse, const char* what,
                           const char* valid) {
    std::vector<T> v;
    for (const auto& s : names) {
        auto x = parse(s);
        if (!x)
            throw UsageError(std::string("unknown ") + what + " '" + s + "' (valid: " + valid +
                             ")");
        v.push_back(*x);
    }
    return v;
}

CaseResult unavailable_result(const GemmCaseSpec& spec, const std::string& why) {
    CaseResult r;
    r.op = "gemm";
    r.name = gemm_case_name(spec);
    r.backend = spec.backend;
    r.dtype = std::string(dtype_name(spec.problem.dtype));
    r.dims = {{"m", spec.problem.m}, {"n", spec.problem.n}, {"k", spec.problem.k}};
    r.params = {{"layout", std::string(layout_name(spec.problem.layout))}};
    r.threads = spec.threads;
    r.status = CaseStatus::unavailable;
    r.error = why;
    return r;
}

std::string layout_of(const CaseResult& r) {
    for (const auto& [n, v] : r.params)
        if (n == "layout") return v;
    return "";
}

int run_bench_gemm(const BenchGemmOptions& o, Io io) {
    const auto dtypes = parse_names<DType>(o.dtypes, parse_dtype, "dtype", "fp32, fp64, bf16");
    const auto layouts = parse_names<Layout>(o.layouts, parse_layout, "layout", "nn, nt, tn");
    std::vector<const GemmBackend*> backends;
    for (const auto& b : o.backends) backends.push_back(&find_gemm_backend(b));
    const int threads = resolve_thread_count(o.threads);
    const auto shapes = collect_shapes(o);
    check_sampler_flags(o.sampler);
    if (o.rounds < 1) throw UsageError("--rounds must be at least 1");
    if (o.cache != "warm" && o.cache != "cold")
        throw UsageError("unknown --cache '" + o.cache + "' (valid: warm, cold)");
    MeasureOptions mo;
    mo.sampler = o.sampler;
    mo.cache = o.cache == "cold" ? CacheMode::cold : CacheMode::warm;
    mo.probe_clock = !o.no_probe;

    // A backend that cannot run any requested dtype here is an error before anything runs.
    for (const auto* b : backends) {
        bool any = false;
        std::string why;
        for (DType d : dtypes) {
            if (!b->supports(d)) {
                why = "it does not support " + std::string(dtype_name(d));
                continue;
            }
            if (auto w = b->unavailable(d)) {
                why = *w;
                continue;
            }
            any = true;
        }
        if (!any) throw UnavailableError("backend '" + b->name + "' cannot run here: " + why);
    }

    check_bench_outputs(o.out, io);
    // Check every problem before spending time measuring.
    for (const auto& s : shapes)
        for (DType d : dtypes) {
            GemmProblem p{s.m, s.n, s.k, Layout::nn, d, o.alpha, o.beta};
            check_gemm_problem(p);
        }

    MeasureContext ctx(threads);
    for (DType d : dtypes) {
        const PeakResult pk = peak_for_dtype(d, threads);
        if (pk.flops_per_s > 0) mo.ceilings[std::string(dtype_name(d))] = pk.flops_per_s;
    }
    ResultsDocument doc;
    doc.provenance = collect_provenance();
    for (auto& w : system_warnings(read_system_state())) doc.warnings.push_back(w);
    for (auto& w : environment_warnings()) doc.warnings.push_back(w);
    for (const auto* b : backends)
        for (auto& w : b->warnings()) doc.warnings.push_back(w);

    // Cases in problem order, backends side by side (one group per problem).
    std::vector<BenchItem> items;
    for (DType d : dtypes)
        for (Layout l : layouts)
            for (const auto& s : shapes)
                for (const auto* b : backends) {
                    const GemmCaseSpec spec{
                        b->name, GemmProblem{s.m, s.n, s.k, l, d, o.alpha, o.beta}, threads};
                    BenchItem it{gemm_case_name(spec), b->name, std::nullopt, {}};
                    if (!b->supports(d))
                        it.unavailable =
                            unavailable_result(spec, "dtype not supported by this backend");
                    else if (auto why = b->unavailable(d))
                        it.unavailable = unavailable_result(spec, *why);
                    else
                        it.measure = [spec, &mo, &ctx] { return measure_gemm(spec, mo, ctx); };
                    items.push_back(std::move(it));
                }
    BenchRunOptions ro;
    ro.rounds = o.rounds;
    ro.group = backends.size();
    ro.sampler = o.sampler;
    ro.only = o.out.cases;
    doc.results = run_bench(items, ro, bench_progress_printer(io.err, o.out.progress));
    for (const auto& w : ctx.warnings()) doc.warnings.push_back(w);

    BenchTable t;
    t.id_headers = {"backend", "dtype", "layout", "M", "N", "K"};
    t.ids = [](const CaseResult& r, std::size_t) {
        return std::vector<std::string>{r.backend,
                                        r.dtype,
                                        layout_of(r),
                                        std::to_string(r.dims[0].second),
                                        std::to_string(r.dims[1].second),
                                        std::to_string(r.dims[2].second)};
    };
    t.metric_headers = {"time", "GFLOP/s", "%peak", "GB/s", "CI95", "n"};
    t.metrics = [](const CaseResult& r, std::size_t) {
        return std::vector<std::string>{
            fmt_time(r.seconds()),
            fmt_fixed(r.model_flops_per_s() / 1e9, 1),
            r.pct_of_ceiling >= 0 ? fmt_fixed(100.0 * r.pct_of_ceiling, 1) : "-",
            fmt_fixed(r.bytes_per_s() / 1e9, 2),
            bench_ci_cell(r),
            std::to_string(r.measurement.stats.n)};
    };
    t.backends = o.backends;
    t.ratio_key = [](const CaseResult& r, std::size_t) {
        std::string k = r.dtype;
        for (const auto& [n, v] : r.dims) k += "/" + std::to_string(v);
        return k + "/" + layout_of(r);
    };
    BenchReport rep;
    std::ostringstream title;
    title << "GEMM on " << doc.provenance.cpu_model << " | " << threads
          << " thread(s) | model FLOPs (2MNK) over the median time | " << o.cache
          << " cache | %peak of the measured FMA/dot ceiling | stop at CI95 +-"
          << fmt_sig(100.0 * o.sampler.target_rel_ci, 3) << "% or "
          << fmt_sig(o.sampler.budget_s, 3) << " s per case\n\n";
    rep.title = title.str();
    rep.record = &o.rec;
    return print_bench_report(doc, t, rep, o.out, io);
}

}  // namespace

void register_bench_gemm(CLI::App& bench, Io io, Action& action) {
    auto o = std::make_shared<BenchGemmOptions>();
    CLI::App* sub = bench.add_subcommand("gemm", "GEMM C = alpha*op(A)*op(B) + beta*C, row-major");
    sub->add_option("--m", o->m, "Rows of C (list: 1024,2048)")->delimiter(',');
    sub->add_option("--n", o->n, "Columns of C (list)")->delimiter(',');
    sub->add_option("--k", o->k, "Inner dimension (list)")->delimiter(',');
    sub->add_option("--size", o->size, "Square shapes M=N=K (list)")->delimiter(',');
    sub->add_option("--preset", o->preset, preset_help("gemm"));
    sub->add_option("--dtype", o->dtypes, "fp32, fp64, bf16 (list)")->delimiter(',');
    sub->add_option("--layout", o->layouts, "nn, nt, tn (list)")->delimiter(',');
    sub->add_option("--backend", o->backends,
                    "own, openblas, onednn, reference (list: side by side)")
        ->delimiter(',');
    sub->add_option("--threads", o->threads, "Threads (default: one per core)");
    sub->add_option("--alpha", o->alpha, "alpha (default 1)");
    sub->add_option("--beta", o->beta, "beta (default 0)");
    add_bench_output_flags(sub, o->out);
    add_sampler_flags(sub, o->sampler, "2");
    add_record_flags(sub, o->rec);
    sub->add_option("--cache", o->cache,
                    "warm (default) or cold: caches scrubbed and operands rotated between samples");
    sub->add_flag("--no-clock-probe", o->no_probe,
                  "Skip the add-chain clock probes (contention detection)");
    sub->add_option(
        "--rounds", o->rounds,
        "Measure every case this many times round-robin and pool the samples (default 1)");
    sub->callback([o, io, &action] { action = [o, io] { return run_bench_gemm(*o, io); }; });
}

}  // namespace flopmeter
