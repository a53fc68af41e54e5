// `flopmeter bench quant`: quantized weight-only matmuls (own kernels, oneDNN's int8 matmul
// where it applies) validated then timed side by side, with the DRAM read bandwidth read right
// before and after every repetition of every case, so a bandwidth-bound GEMV reads as a paired
// % of DRAM per repetition (this VM's DRAM read swings 2x within minutes).
#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/bench_printer.hpp"
#include "cli/commands.hpp"
#include "cli/sampler_flags.hpp"
#include "core/error.hpp"
#include "core/flops.hpp"
#include "core/shape_presets.hpp"
#include "core/text_table.hpp"
#include "core/thread_pool.hpp"
#include "measure/provenance.hpp"
#include "measure/quant_case.hpp"
#include "measure/result_json.hpp"
#include "measure/roofline/bandwidth.hpp"
#include "measure/roofline/peak.hpp"
#include "measure/system_checks.hpp"

namespace flopmeter {

namespace {

struct BenchQuantOptions {
    std::vector<std::int64_t> m, n, k;
    std::string preset;
    std::vector<std::string> formats{"q4_0", "q8_0"}, acts{"int8"}, backends{"own"};
    std::string isa;
    int threads = 0;
    std::string cache = "cold";
    bool no_dram = false, no_probe = false;
    int rounds = 1;
    BenchOutputs out;
    SamplerConfig sampler;
    RecordFlags rec;
};

using Shape = GemmShape;

std::vector<Shape> collect_shapes(const BenchQuantOptions& o) {
    std::vector<Shape> v;
    if (!o.m.empty() || !o.n.empty() || !o.k.empty()) {
        if (o.m.empty() || o.n.empty() || o.k.empty())
            throw UsageError("give all of --m, --n and --k");
        for (auto m : o.m)
            for (auto n : o.n)
                for (auto k : o.k) v.push_back({m, n, k});
    }
    if (!o.preset.empty())
        for (const auto& sh : gemm_preset("quant", o.preset).shapes) v.push_back(sh);
    if (v.empty())
        throw UsageError("no shape given: use --m M --n N --k K or --preset " +
                         preset_names("quant"));
    return v;
}

// The DRAM read of the roofline (measure/roofline/bandwidth.hpp: every thread sums its own
// array of 4x the last-level cache / threads, best of 5 trials of ~20 ms), at the cases'
// thread count, its arrays allocated once so it can be read between repetitions.
std::unique_ptr<BandwidthMeter> dram_read_meter(int threads) {
    for (const auto& lv : bandwidth_levels(threads))
        if (lv.name == "DRAM") return std::make_unique<BandwidthMeter>(lv, BwKernel::read, threads);
    return nullptr;
}

int run_bench_quant(const BenchQuantOptions& o, Io io) {
    std::vector<QuantFormat> formats;
    for (const auto& f : o.formats) formats.push_back(parse_quant_format(f));
    std::vector<QuantActivation> acts;
    for (const auto& a : o.acts) {
        if (a == "int8")
            acts.push_back(QuantActivation::int8);
        else if (a == "fp32")
            acts.push_back(QuantActivation::fp32);
        else
            throw UsageError("unknown --act '" + a + "' (valid: int8, fp32)");
    }
    for (const auto& b : o.backends)
        if (b != "own" && b != "onednn")
            throw UsageError("unknown quantized backend '" + b + "' (valid: own, onednn)");
    if (o.threads < 0) throw UsageError("--threads must be positive");
    if (o.cache != "warm" && o.cache != "cold")
        throw UsageError("unknown --cache '" + o.cache + "' (valid: warm, cold)");
    if (o.rounds < 1) throw UsageError("--rounds must be at least 1");
    check_sampler_flags(o.sampler);
    const int threads = o.threads > 0 ? o.threads : default_thread_count();
    const auto shapes = collect_shapes(o);
    std::vector<QuantCaseSpec> specs;  // groups of backends side by side
    for (const auto& f : formats)
        for (auto act : acts)
            for (const auto& s : shapes) {
                check_quant_shape(f, s.n, s.k);
                if (s.m <= 0) throw UsageError("--m must be positive");
                for (const auto& b : o.backends)
                    specs.push_back({b, f, act, b == "own" ? o.isa : "", s.m, s.n, s.k, threads});
            }
    if (!o.isa.empty())
        (void)qgemm_kernel(acts.front(), o.isa);  // unknown or unavailable ISA: exit 2 now
    check_bench_outputs(o.out, io);

    MeasureOptions mo;
    mo.sampler = o.sampler;
    mo.cache = o.cache == "cold" ? CacheMode::cold : CacheMode::warm;
    mo.probe_clock = !o.no_probe;
    MeasureContext ctx(threads);
    ResultsDocument doc;
    doc.provenance = collect_provenance();
    doc.warnings = environment_warnings();
    for (auto& w : system_warnings(read_system_state())) doc.warnings.push_back(w);

    // Interleaved DRAM readings: one right before and one right after every repetition of every
    // case (rounds x cases), each repetition's bytes/s divided by the mean of its two readings.
    std::unique_ptr<BandwidthMeter> dram;
    std::vector<double> readings;
    if (!o.no_dram) {
        io.err << "DRAM read bandwidth: allocating its arrays; read before and after every "
                  "repetition\n";
        dram = dram_read_meter(threads);
    }
    // Cold: also a plain read of the case's own bytes timed like one cold call of the case
    // (scrub, wake the pool, one pool call), the like-for-like figure beside the reference.
    const bool short_read = mo.cache == CacheMode::cold;
    std::vector<BenchItem> items;
    for (const auto& spec : specs)
        items.push_back({quant_case_name(spec), spec.backend, std::nullopt,
                         [spec, &mo, &ctx, &dram, &readings, short_read, threads] {
                             if (!dram) return measure_quant(spec, mo, ctx);
                             BandwidthPairing::Round rd;
                             const auto bytes = std::int64_t(
                                 flops::quant_gemm_bytes(spec.m, spec.n, spec.k, spec.format.bits,
                                                         spec.format.group, 4.0, 4.0));
                             CaseResult r = measure_quant(spec, mo, ctx, [&](bool after) {
                                 const double b = dram->measure().stream_bytes_per_s;
                                 readings.push_back(b);
                                 (after ? rd.reference_after : rd.reference_before) = b;
                                 if (short_read)
                                     (after ? rd.short_read_after : rd.short_read_before) =
                                         dram->measure_short_read(bytes, 11, [&] {
                                             ctx.scrubber().scrub();
                                             shared_thread_pool(threads).run([](int) {});
                                         });
                             });
                             if (r.status == CaseStatus::ok) {
                                 rd.case_bytes_per_s = r.bytes_per_s();  // this repetition's median
                                 r.bandwidth_pairing.reference = "dram_read";
                                 r.bandwidth_pairing.rounds.push_back(rd);
                             }
                             return r;
                         }});
    BenchRunOptions ro;
    ro.rounds = o.rounds;
    ro.group = o.backends.size();
    ro.sampler = o.sampler;
    ro.only = o.out.cases;
    doc.results = run_bench(items, ro, bench_progress_printer(io.err, o.out.progress));
    for (const auto& w : ctx.warnings()) doc.warnings.push_back(w);

    BenchTable t;
    t.id_headers = {"backend", "format", "act", "M", "N", "K"};
    t.ids = [&specs](const CaseResult& r, std::size_t i) {
        const QuantCaseSpec& s = specs[i];
        return std::vector<std::string>{
            r.backend,
            r.dtype,
            r.backend == "onednn" ? "int8" : quant_activation_name(s.act),
            std::to_string(s.m),
            std::to_string(s.n),
            std::to_string(s.k)};
    };
    t.metric_headers = {"time", "GFLOP/s", "GB/s", "%DRAM", "%DRAM range", "%read", "CI95", "n"};
    t.metrics = [](const CaseResult& r, std::size_t) {
        const BandwidthPairing& p = r.bandwidth_pairing;
        return std::vector<std::string>{fmt_time(r.seconds()),
                                        fmt_fixed(r.model_flops_per_s() / 1e9, 1),
                                        fmt_fixed(r.bytes_per_s() / 1e9, 2),
                                        p.empty() ? "-" : fmt_fixed(100.0 * p.ratio_median(), 1),
                                        p.empty() ? "-"
                                                  : fmt_fixed(100.0 * p.ratio_min(), 1) + "-" +
                                                        fmt_fixed(100.0 * p.ratio_max(), 1) + " (" +
                                                        std::to_string(p.rounds.size()) + ")",
                                        p.short_read_ratio_median() > 0
                                            ? fmt_fixed(100.0 * p.short_read_ratio_median(), 1)
                                            : "-",
                                        bench_ci_cell(r),
                                        std::to_string(r.measurement.stats.n)};
    };
    t.backends = o.backends;
    t.ratio_key = [&specs](const CaseResult& r, std::size_t i) {
        std::string k = r.dtype;
        for (const auto& [n, v] : r.dims) k += "/" + std::to_string(v);
        return k + "/" + quant_activation_name(specs[i].act);
    };
    std::ostringstream title;
    title << "Quantized matmul y = x W^T on " << doc.provenance.cpu_model << " | " << threads
          << " thread(s) | model FLOPs 2MNK (dequantization not counted) | GB/s over packed "
             "weights + scales + x + y | "
          << o.cache << " cache\n";
    if (!readings.empty()) {
        std::vector<double> sr = readings;
        std::sort(sr.begin(), sr.end());
        title << "DRAM read bandwidth (" << threads
              << " thread(s), sum over 4x LLC, best of 5 trials), read right "
              << "before and after every repetition: " << sr.size() << " readings, "
              << fmt_fixed(sr.front() / 1e9, 2) << " to " << fmt_fixed(sr.back() / 1e9, 2)
              << " GB/s, median " << fmt_fixed(sr[sr.size() / 2] / 1e9, 2)
              << "\n%DRAM = median over repetitions of (that repetition's GB/s / the mean of its "
                 "two readings); "
                 "range: lowest-highest (repetitions)\n";
        if (short_read)
            title << "%read = the same median against a plain read of the case's own bytes timed "
                     "like one cold call of "
                     "it (scrub, wake, one pool call; median of 11, before and after each "
                     "repetition): the "
                     "like-for-like figure; a ratio above 100% in %DRAM means such a short read "
                     "beats the DRAM stream\n";
    }
    title << '\n';
    BenchReport rep;
    rep.title = title.str();
    rep.record = &o.rec;
    return print_bench_report(doc, t, rep, o.out, io);
}

}  // namespace

void register_bench_quant(CLI::App& bench, Io io, Action& action) {
    auto o = std::make_shared<BenchQuantOptions>();
    CLI::App* sub = bench.add_subcommand(
        "quant", "Quantized weight-only matmul y = x W^T (int8/int4 block formats)");
    sub->add_option("--m", o->m, "Rows of x (tokens; list)")->delimiter(',');
    sub->add_option("--n", o->n, "Rows of W (outputs; list)")->delimiter(',');
    sub->add_option("--k", o->k, "Columns of W (inputs; list)")->delimiter(',');
    sub->add_option("--preset", o->preset, preset_help("quant"));
    sub->add_option("--format", o->formats,
                    "q4_0, q8_0, q4_g128, q8_g128, qB_gG (list; default q4_0,q8_0)")
        ->delimiter(',');
    sub->add_option("--act", o->acts, "Activations: int8 (VNNI variant, default) or fp32 (list)")
        ->delimiter(',');
    sub->add_option("--backend", o->backends,
                    "own, onednn (list: side by side; onednn takes q8_gK only)")
        ->delimiter(',');
    sub->add_option(
        "--isa", o->isa,
        "Force the own kernel's ISA: generic, avx2, avx512 (fp32 act), avx512_vnni (int8 act)");
    sub->add_option("--threads", o->threads, "Threads (default: one per core)");
    sub->add_option(
        "--cache", o->cache,
        "cold (default: caches scrubbed before each call, weights come from DRAM) or warm");
    sub->add_flag(
        "--no-dram", o->no_dram,
        "Skip the DRAM read bandwidth readings (else one before and after every repetition)");
    sub->add_flag("--no-clock-probe", o->no_probe, "Skip the add-chain clock probes");
    sub->add_option("--rounds", o->rounds,
                    "Measure every case this many times, backends alternating, samples pooled");
    add_bench_output_flags(sub, o->out);
    add_sampler_flags(sub, o->sampler, nullptr);
    add_record_flags(sub, o->rec);
    sub->callback([o, io, &action] { action = [o, io] { return run_bench_quant(*o, io); }; });
}

}  // namespace flopmeter
