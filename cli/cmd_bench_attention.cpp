// `flopmeter bench attention`: validate then time attention cases (own fused, unfused on a GEMM
// backend, reference); several backends print side by side with ratios to the first one
// listed, with the memory each uses beyond its tensors (fused O(S), unfused O(S^2)).
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
#include "measure/attention_case.hpp"
#include "measure/result_json.hpp"
#include "measure/roofline/bandwidth.hpp"
#include "measure/roofline/peak.hpp"
#include "measure/system_checks.hpp"

namespace flopmeter {

namespace {

struct BenchAttentionOptions {
    std::vector<std::int64_t> batch{1}, heads, kv_heads, seq_q, seq_k, head_dim, value_dim;
    bool causal = false;
    std::vector<std::string> masks, dtypes{"fp32"}, passes{"fwd"}, backends{"own"},
        kv_dtypes{"same"};
    std::string preset;
    double scale = 0.0;
    int threads = 0;
    BenchOutputs out;
    RecordFlags rec;
    SamplerConfig sampler;
    int rounds = 1;
    std::string cache = "warm";
    bool no_probe = false, dram = false;
};

struct Shape {
    std::int64_t b, h, g, sq, sk, d, dv;
};

std::vector<Shape> collect_shapes(const BenchAttentionOptions& o) {
    std::vector<Shape> v;
    if (!o.preset.empty())
        for (const auto& a : attention_preset("attention", o.preset).shapes)
            v.push_back({a.batch, a.heads, a.kv_heads, a.seq_q, a.seq_k, a.head_dim, a.value_dim});
    const bool any = !o.heads.empty() || !o.seq_q.empty() || !o.head_dim.empty();
    if (!any) {
        if (v.empty())
            throw UsageError("give --heads, --seq-q and --head-dim (or --preset " +
                             preset_names("attention") + ")");
        return v;
    }
    if (o.heads.empty() || o.seq_q.empty() || o.head_dim.empty())
        throw UsageError("give all of --heads, --seq-q and --head-dim (or --preset " +
                         preset_names("attention") + ")");
    const std::vector<std::int64_t> none{0};
    for (auto b : o.batch)
        for (auto h : o.heads)
            for (auto g : o.kv_heads.empty() ? none : o.kv_heads)
                for (auto sq : o.seq_q)
                    for (auto sk : o.seq_k.empty() ? none : o.seq_k)
                        for (auto d : o.head_dim)
                            for (auto dv : o.value_dim.empty() ? none : o.value_dim)
                                v.push_back({b, h, o.kv_heads.empty() ? h : g, sq,
                                             o.seq_k.empty() ? sq : sk, d,
                                             o.value_dim.empty() ? d : dv});
    return v;
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

CaseResult skipped_result(const AttentionCaseSpec& spec, CaseStatus st, const std::string& why) {
    CaseResult r;
    r.op = "attention";
    r.name = attention_case_name(spec);
    r.backend = spec.backend;
    r.dtype = std::string(dtype_name(spec.problem.dtype));
    const flops::AttentionShape& s = spec.problem.shape;
    r.dims = {{"b", s.batch},  {"h", s.heads},    {"g", s.kv_heads},  {"sq", s.seq_q},
              {"sk", s.seq_k}, {"d", s.head_dim}, {"dv", s.value_dim}};
    r.params = {{"causal", s.causal ? "true" : "false"},
                {"pass", std::string(attention_pass_name(spec.pass))}};
    r.threads = spec.threads;
    r.status = st;
    r.error = why;
    return r;
}

std::string param(const CaseResult& r, const std::string& name) {
    for (const auto& [n, v] : r.params)
        if (n == name) return v;
    return "";
}

double param_num(const CaseResult& r, const std::string& name) {
    const std::string v = param(r, name);
    return v.empty() ? 0.0 : std::stod(v);
}

int run_bench_attention(const BenchAttentionOptions& o, Io io) {
    const auto dtypes = parse_names<DType>(
        o.dtypes,
        [](const std::string& s) -> std::optional<DType> {
            auto d = parse_dtype(s);
            if (d && (*d == DType::fp32 || *d == DType::bf16)) return d;
            return std::nullopt;
        },
        "dtype", "fp32, bf16");
    const auto passes =
        parse_names<AttentionPass>(o.passes, parse_attention_pass, "pass", "fwd, bwd, fwd+bwd");
    const auto kvs =
        parse_names<KvCache>(o.kv_dtypes, parse_kv_cache, "--kv-dtype", "same, bf16, int8");
    std::vector<bool> masks;
    for (const auto& m : o.masks) {
        if (m != "full" && m != "causal")
            throw UsageError("unknown --mask '" + m + "' (valid: full, causal)");
        masks.push_back(m == "causal");
    }
    if (masks.empty()) masks.push_back(o.causal);
    std::vector<const AttentionBackend*> backends;
    for (const auto& b : o.backends) backends.push_back(&find_attention_backend(b));
    const int threads = resolve_thread_count(o.threads);
    const auto shapes = collect_shapes(o);
    check_sampler_flags(o.sampler);
    if (o.rounds < 1) throw UsageError("--rounds must be at least 1");
    if (o.cache != "warm" && o.cache != "cold")
        throw UsageError("unknown --cache '" + o.cache + "' (valid: warm, cold)");
    for (const auto* b : backends) {
        bool any = false;
        std::string why;
        for (DType d : dtypes) {
            if (auto w = b->unavailable(d))
                why = *w;
            else
                any = true;
        }
        if (!any)
            throw UnavailableError("attention backend '" + b->name + "' cannot run here: " + why);
    }
    check_bench_outputs(o.out, io);

    std::vector<AttentionCaseSpec> specs;
    for (DType d : dtypes)
        for (KvCache kv : kvs)
            for (AttentionPass ps : passes)
                for (bool causal : masks)
                    for (const auto& s : shapes)
                        for (const auto* b : backends) {
                            AttentionProblem p;
                            p.shape = {s.b, s.h, s.g, s.sq, s.sk, s.d, s.dv, causal};
                            p.dtype = d;
                            p.scale = o.scale;
                            p.kv = kv;
                            check_attention_problem(
                                p, ps);  // every problem before spending time measuring
                            if (kv != KvCache::same && b->name != "own")
                                throw UsageError("--kv-dtype " + std::string(kv_cache_name(kv)) +
                                                 " runs on the own backend only, not '" + b->name +
                                                 "'");
                            specs.push_back({b->name, p, ps, threads});
                        }
    // A problem every requested backend refuses (the unfused S x S does not fit) is bad input;
    // one that some refuse runs on the others, the refusals listed as unavailable.
    std::vector<std::optional<std::string>> refused(specs.size());
    for (std::size_t g = 0; g < specs.size(); g += backends.size()) {
        bool all = true;
        for (std::size_t j = 0; j < backends.size(); ++j) {
            const AttentionCaseSpec& sp = specs[g + j];
            refused[g + j] = backends[j]->refuses(sp.problem, sp.pass);
            all = all && refused[g + j].has_value();
        }
        if (all) throw UnavailableError(*refused[g]);
    }

    MeasureOptions mo;
    mo.sampler = o.sampler;
    mo.cache = o.cache == "cold" ? CacheMode::cold : CacheMode::warm;
    mo.probe_clock = !o.no_probe;
    MeasureContext ctx(threads);
    // Every kernel computes in fp32 FMAs (bf16 inputs are widened), so the fp32 FMA ceiling
    // bounds them all; measured once so every case divides by the same figure.
    const PeakResult pk = peak_for_dtype(DType::fp32, threads);
    for (DType d : dtypes)
        if (pk.flops_per_s > 0) mo.ceilings[std::string(dtype_name(d))] = pk.flops_per_s;
    double dram_read = 0;
    if (o.dram) {
        for (const auto& lv : bandwidth_levels(threads))
            if (lv.name == "DRAM")
                dram_read = measure_bandwidth(lv, BwKernel::read, threads).stream_bytes_per_s;
    }
    ResultsDocument doc;
    doc.provenance = collect_provenance();
    doc.warnings = environment_warnings();
    for (auto& w : system_warnings(read_system_state())) doc.warnings.push_back(w);
    for (const auto* b : backends)
        for (auto& w : b->warnings()) doc.warnings.push_back(w);

    // Backends side by side per problem (one group per problem).
    std::vector<BenchItem> items;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const AttentionCaseSpec& spec = specs[i];
        const AttentionBackend& b = find_attention_backend(spec.backend);
        BenchItem it{attention_case_name(spec), b.name, std::nullopt, {}};
        if (auto why = refused[i] ? refused[i] : b.unavailable(spec.problem.dtype))
            it.unavailable = skipped_result(spec, CaseStatus::unavailable, *why);
        else
            it.measure = [spec, &mo, &ctx] {
                try {
                    return measure_attention(spec, mo, ctx);
                } catch (const UnavailableError&
                             e) {  // e.g. unfused S x S does not fit: this backend only
                    return skipped_result(spec, CaseStatus::unavailable, e.what());
                }
            };
        items.push_back(std::move(it));
    }
    BenchRunOptions ro;
    ro.rounds = o.rounds;
    ro.group = backends.size();
    ro.sampler = o.sampler;
    ro.only = o.out.cases;
    std::vector<CaseResult> results =
        run_bench(items, ro, bench_progress_printer(io.err, o.out.progress));
    bool all_unavailable = true;
    for (auto& r : results) {
        if (r.status != CaseStatus::unavailable) all_unavailable = false;
        if (dram_read > 0 && r.status == CaseStatus::ok) {
            r.params.emplace_back("dram_read_bytes_per_s", std::to_string(dram_read));
            r.params.emplace_back("kv_pct_of_dram_read", std::to_string(param_num(r, "kv_bytes") /
                                                                        r.seconds() / dram_read));
        }
    }
    if (all_unavailable && !results.empty()) throw UnavailableError(results.front().error);
    for (const auto& w : ctx.warnings()) doc.warnings.push_back(w);
    doc.results = std::move(results);

    auto dim = [](const CaseResult& r, const char* n) {
        for (const auto& [k, v] : r.dims)
            if (k == n) return v;
        return std::int64_t(0);
    };
    BenchTable t;
    t.id_headers = {"backend", "dtype", "pass", "B", "H", "G", "Sq", "Sk", "D", "mask"};
    t.ids = [dim](const CaseResult& r, std::size_t) {
        std::string d = std::to_string(dim(r, "d"));
        if (dim(r, "dv") != dim(r, "d")) d += "/" + std::to_string(dim(r, "dv"));
        const std::string kv = param(r, "kv_cache");
        return std::vector<std::string>{r.backend,
                                        kv.empty() ? r.dtype : r.dtype + " kv " + kv,
                                        param(r, "pass"),
                                        std::to_string(dim(r, "b")),
                                        std::to_string(dim(r, "h")),
                                        std::to_string(dim(r, "g")),
                                        std::to_string(dim(r, "sq")),
                                        std::to_string(dim(r, "sk")),
                                        d,
                                        param(r, "causal") == "true" ? "causal" : "full"};
    };
    t.metric_headers = {"time", "GFLOP/s", "exec GF/s", "FA GF/s", "%peak", "KV GB/s"};
    if (dram_read > 0) t.metric_headers.push_back("%DRAM");
    t.metric_headers.insert(t.metric_headers.end(), {"extra mem", "CI95", "n"});
    t.metrics = [dram_read](const CaseResult& r, std::size_t) {
        std::vector<std::string> row = {
            fmt_time(r.seconds()),
            fmt_fixed(r.model_flops_per_s() / 1e9, 1),
            fmt_fixed(r.executed_flops_per_s() / 1e9, 1),
            fmt_fixed(param_num(r, "flash_convention_flops") / r.seconds() / 1e9, 1),
            r.pct_of_ceiling >= 0 ? fmt_fixed(100.0 * r.pct_of_ceiling, 1) : "-",
            fmt_fixed(param_num(r, "kv_bytes") / r.seconds() / 1e9, 2)};
        if (dram_read > 0) row.push_back(fmt_fixed(100.0 * param_num(r, "kv_pct_of_dram_read"), 1));
        row.insert(row.end(), {fmt_bytes(r.workspace_bytes), bench_ci_cell(r),
                               std::to_string(r.measurement.stats.n)});
        return row;
    };
    t.backends.clear();
    for (const auto* b : backends) t.backends.push_back(b->name);
    t.ratio_key = [](const CaseResult& r, std::size_t) {
        std::string k = r.dtype + "/" + param(r, "kv_cache") + "/" + param(r, "pass") + "/" +
                        param(r, "causal");
        for (const auto& [n, v] : r.dims) k += "/" + std::to_string(v);
        return k;
    };
    std::ostringstream title;
    title << "Attention on " << doc.provenance.cpu_model << " | " << threads
          << " thread(s) | GFLOP/s: model FLOPs 2*B*H*P*(D+Dv) over unmasked pairs P (backward "
             "2.5x), exec: FLOPs the "
             "kernel executes, FA: FlashAttention's 4*B*H*Sq*Sk*D (/2 causal) | "
          << o.cache << " cache | %peak of the measured fp32 FMA ceiling | stop at CI95 +-"
          << fmt_sig(100.0 * o.sampler.target_rel_ci, 3) << "% or "
          << fmt_sig(o.sampler.budget_s, 3) << " s per case\n";
    if (dram_read > 0)
        title << "DRAM read bandwidth measured now: " << fmt_fixed(dram_read / 1e9, 1)
              << " GB/s; %DRAM = bytes of K and V read per second / that\n";
    title << '\n';
    BenchReport rep;
    rep.title = title.str();
    rep.record = &o.rec;
    return print_bench_report(doc, t, rep, o.out, io);
}

}  // namespace

void register_bench_attention(CLI::App& bench, Io io, Action& action) {
    auto o = std::make_shared<BenchAttentionOptions>();
    CLI::App* sub = bench.add_subcommand(
        "attention",
        "Scaled dot-product attention, layout [B, S, heads, dim], forward and backward");
    sub->add_option("--batch", o->batch, "Batch size B (list; default 1)")->delimiter(',');
    sub->add_option("--heads", o->heads, "Query heads H (list)")->delimiter(',');
    sub->add_option("--kv-heads", o->kv_heads,
                    "Key/value heads G dividing H (list; default H: MHA; 1: MQA)")
        ->delimiter(',');
    sub->add_option("--seq-q", o->seq_q, "Query length Sq (list; 1 = a decode step)")
        ->delimiter(',');
    sub->add_option("--seq-k", o->seq_k, "Key length Sk (list; default Sq)")->delimiter(',');
    sub->add_option("--head-dim", o->head_dim, "Head dim D (list; at most 256)")->delimiter(',');
    sub->add_option("--value-dim", o->value_dim, "Value dim Dv (list; default D)")->delimiter(',');
    sub->add_flag("--causal", o->causal,
                  "Causal mask, bottom-right aligned when Sq != Sk (FlashAttention)");
    sub->add_option("--mask", o->masks,
                    "full, causal (list: both side by side; overrides --causal)")
        ->delimiter(',');
    sub->add_option("--scale", o->scale, "Softmax scale (default 1/sqrt(D))");
    sub->add_option("--dtype", o->dtypes,
                    "fp32, bf16 (list; bf16 Q/K/V with fp32 accumulation and outputs)")
        ->delimiter(',');
    sub->add_option("--kv-dtype", o->kv_dtypes,
                    "K/V cache storage for decode (Sq <= 4, fwd, own): same (as --dtype), bf16, "
                    "int8 (one fp32 scale per "
                    "token and KV head; list)")
        ->delimiter(',');
    sub->add_option("--pass", o->passes, "fwd, bwd, fwd+bwd (list)")->delimiter(',');
    sub->add_option(
           "--backend", o->backends,
           "own, unfused (= unfused:own), unfused:openblas, reference (list: side by side)")
        ->delimiter(',');
    sub->add_option("--preset", o->preset, preset_help("attention"));
    sub->add_option("--threads", o->threads, "Threads (default: one per core)");
    add_bench_output_flags(sub, o->out);
    add_record_flags(sub, o->rec);
    add_sampler_flags(sub, o->sampler, "2");
    sub->add_option("--cache", o->cache, "warm (default) or cold: caches scrubbed between samples");
    sub->add_flag("--no-clock-probe", o->no_probe,
                  "Skip the add-chain clock probes (contention detection)");
    sub->add_option(
        "--rounds", o->rounds,
        "Measure every case this many times round-robin and pool the samples (default 1)");
    sub->add_flag("--dram-ceiling", o->dram,
                  "Measure DRAM read bandwidth first and report K+V bytes/s as a % of it (decode)");
    sub->callback([o, io, &action] { action = [o, io] { return run_bench_attention(*o, io); }; });
}

}  // namespace flopmeter
