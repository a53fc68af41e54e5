// `flopmeter bench cuda-attention`: validate, then time GPU attention (own fused flash kernels
// and the unfused cuBLAS baseline), forward and backward, with model FLOPs, the FlashAttention
// convention and executed FLOPs side by side.
#include <memory>
#include <string>
#include <vector>

#include "cli/bench_printer.hpp"
#include "cli/commands.hpp"
#include "cli/cuda_cli.hpp"
#include "cli/sampler_flags.hpp"
#include "core/error.hpp"
#include "core/shape_presets.hpp"
#include "kernels/cuda/attention/gpu_attention_problem.hpp"
#include "measure/sampler.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include <optional>
#include <sstream>

#include "core/text_table.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "measure/cuda/gpu_attention_case.hpp"
#include "measure/provenance.hpp"
#endif

namespace flopmeter {

namespace {

struct BenchCudaAttentionOptions {
    std::vector<std::int64_t> batch{4}, heads{32}, kv_heads, seq, seq_q, seq_k, head_dim{128};
    std::string preset;
    std::vector<std::string> dtypes{"bf16"}, directions{"fwd"}, masks{"none"}, backends{"flash"};
    BenchOutputs out;
    int rounds = 1;
    SamplerConfig sampler;
    std::string cache = "warm";
    double energy_s = 0.5;
};

std::vector<GpuAttentionProblem> collect_problems(const BenchCudaAttentionOptions& o) {
    std::vector<GpuAttentionProblem> base;
    auto add_shape = [&](std::int64_t b, std::int64_t h, std::int64_t kv, std::int64_t sq,
                         std::int64_t sk, std::int64_t d) {
        GpuAttentionProblem p;
        p.batch = b;
        p.heads = h;
        p.kv_heads = kv;
        p.seq_q = sq;
        p.seq_k = sk;
        p.head_dim = d;
        base.push_back(p);
    };
    if (!o.preset.empty()) {
        for (const auto& a : attention_preset("cuda-attention", o.preset).shapes)
            add_shape(a.batch, a.heads, a.kv_heads, a.seq_q, a.seq_k, a.head_dim);
    } else {
        std::vector<std::int64_t> sqs = !o.seq_q.empty() ? o.seq_q : o.seq,
                                  sks = !o.seq_k.empty() ? o.seq_k : o.seq;
        if (sqs.empty() || sks.empty())
            throw UsageError(
                "no sequence length given: use --seq S (or --seq-q and --seq-k), or --preset " +
                preset_names("cuda-attention"));
        for (auto b : o.batch)
            for (auto h : o.heads)
                for (auto kv : o.kv_heads.empty() ? std::vector<std::int64_t>{h} : o.kv_heads)
                    for (auto sq : sqs)
                        for (auto sk : sks)
                            for (auto d : o.head_dim) add_shape(b, h, kv, sq, sk, d);
    }
    std::vector<GpuAttentionProblem> out;
    for (const auto& dt : o.dtypes) {
        GpuStorage t;
        if (dt == "bf16")
            t = GpuStorage::bf16;
        else if (dt == "fp16")
            t = GpuStorage::f16;
        else
            throw UsageError("unknown --dtype '" + dt + "' (valid: bf16, fp16)");
        for (const auto& dir : o.directions) {
            if (dir != "fwd" && dir != "bwd")
                throw UsageError("unknown --direction '" + dir + "' (valid: fwd, bwd)");
            for (const auto& mk : o.masks) {
                if (mk != "none" && mk != "causal")
                    throw UsageError("unknown --mask '" + mk + "' (valid: none, causal)");
                for (GpuAttentionProblem p : base) {
                    p.dtype = t;
                    p.backward = dir == "bwd";
                    p.causal = mk == "causal";
                    if (p.causal && p.seq_q > p.seq_k)
                        continue;  // decode shapes: causal changes nothing
                    check_gpu_attention_problem(p);
                    out.push_back(p);
                }
            }
        }
    }
    if (out.empty())
        throw UsageError("no attention problem left to run (causal needs seq-q <= seq-k)");
    check_sampler_flags(o.sampler);
    if (o.rounds < 1) throw UsageError("--rounds must be at least 1");
    if (o.energy_s < 0) throw UsageError("--energy must be >= 0 seconds");
    if (o.cache != "warm" && o.cache != "cold")
        throw UsageError("unknown --cache '" + o.cache + "' (valid: warm, cold)");
    return out;
}

#ifdef FLOPMETER_HAVE_CUDA

std::string param(const CaseResult& r, const std::string& key, const std::string& dflt = "-") {
    for (const auto& [k, v] : r.params)
        if (k == key) return v;
    return dflt;
}

std::int64_t dim(const CaseResult& r, const std::string& key) {
    for (const auto& [k, v] : r.dims)
        if (k == key) return v;
    return 0;
}

int run_bench_cuda_attention(const BenchCudaAttentionOptions& o, Io io) {
    check_bench_outputs(o.out, io);
    const std::vector<GpuAttentionProblem> problems = collect_problems(o);
    for (const auto& b : o.backends) find_gpu_attention_backend(b);
    require_cuda_device();

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
    for (const auto& p : problems)
        for (const auto& b : o.backends) {
            const GpuAttentionCaseSpec spec{b, p};
            items.push_back({gpu_attention_case_name(spec), b, std::nullopt, [spec, &mo, &ctx, &g] {
                                 return measure_gpu_attention(spec, mo, ctx, g);
                             }});
        }
    BenchRunOptions ro;
    ro.rounds = o.rounds;
    ro.group = o.backends.size();
    ro.sampler = o.sampler;
    ro.only = o.out.cases;
    ro.settle_ms = 0;  // no host threads to settle
    doc.results = run_bench(items, ro, bench_progress_printer(io.err, o.out.progress));
    bool runnable = false;
    for (const auto& r : doc.results) runnable = runnable || r.status != CaseStatus::unavailable;
    if (!runnable)
        throw UnavailableError("nothing requested can run on this GPU: " +
                               doc.results.front().error);
    for (const auto& w : ctx.warnings()) doc.warnings.push_back(w);

    BenchTable t;
    t.id_headers = {"backend", "dir", "dtype", "B", "H", "KV", "Sq", "Sk", "D", "causal"};
    t.ids = [](const CaseResult& r, std::size_t) {
        return std::vector<std::string>{r.backend,
                                        param(r, "direction"),
                                        r.dtype,
                                        std::to_string(dim(r, "b")),
                                        std::to_string(dim(r, "h")),
                                        std::to_string(dim(r, "kv_h")),
                                        std::to_string(dim(r, "sq")),
                                        std::to_string(dim(r, "sk")),
                                        std::to_string(dim(r, "d")),
                                        param(r, "causal")};
    };
    t.metric_headers = {"time", "TFLOP/s", "FA TFLOP/s", "exec TFLOP/s", "GB/s", "CI95",
                        "n",    "SM MHz",  "W"};
    t.metrics = [](const CaseResult& r, std::size_t) {
        const double fa = std::stod(param(r, "flash_convention_flops", "0"));
        return std::vector<std::string>{fmt_time(r.seconds()),
                                        fmt_fixed(r.model_flops_per_s() / 1e12, 1),
                                        fmt_fixed(fa / r.seconds() / 1e12, 1),
                                        fmt_fixed(r.executed_flops_per_s() / 1e12, 1),
                                        fmt_fixed(r.bytes_per_s() / 1e9, 0),
                                        bench_ci_cell(r, false),
                                        std::to_string(r.measurement.stats.n),
                                        param(r, "sm_clock_mhz"),
                                        param(r, "power_w")};
    };
    t.backends = o.backends;
    t.ratio_key = [](const CaseResult& r, std::size_t) {
        std::string k = r.dtype + "/" + param(r, "direction") + "/" + param(r, "causal");
        for (const auto& [n, v] : r.dims) k += "/" + std::to_string(v);
        return k;
    };
    t.kernel_header = "kernel";
    t.all_case_warnings = true;
    std::ostringstream title;
    title << "Attention on " << gpu.name
          << " | TFLOP/s: model FLOPs 2*B*H*P*(D+Dv) (backward 2.5x) over the median GPU "
          << "time; FA: FlashAttention's 4*B*H*Sq*Sk*D (halved causal); exec: what the kernels "
             "compute | "
          << o.cache << " L2\n\n";
    BenchReport rep;
    rep.title = title.str();
    rep.json = [&gpu](const ResultsDocument& d) { return gpu_results_json(d, gpu); };
    return print_bench_report(doc, t, rep, o.out, io);
}

#else

int run_bench_cuda_attention(const BenchCudaAttentionOptions& o, Io) {
    collect_problems(o);
    throw_built_without_cuda();
}

#endif

}  // namespace

void register_bench_cuda_attention(CLI::App& bench, Io io, Action& action) {
    auto o = std::make_shared<BenchCudaAttentionOptions>();
    CLI::App* sub = bench.add_subcommand(
        "cuda-attention",
        "GPU attention (own fused flash kernels, unfused cuBLAS baseline), BSHD layout");
    sub->add_option("--batch", o->batch, "Batch sizes (list; default 4)")->delimiter(',');
    sub->add_option("--heads", o->heads, "Query heads (list; default 32)")->delimiter(',');
    sub->add_option("--kv-heads", o->kv_heads,
                    "Key/value heads (list; default = heads; fewer = grouped-query)")
        ->delimiter(',');
    sub->add_option("--seq", o->seq, "Sequence length for queries and keys (list)")->delimiter(',');
    sub->add_option("--seq-q", o->seq_q, "Query length (list; 1 = decode)")->delimiter(',');
    sub->add_option("--seq-k", o->seq_k, "Key length (list)")->delimiter(',');
    sub->add_option("--head-dim", o->head_dim,
                    "Head dimension (list; the flash kernels do 64 and 128)")
        ->delimiter(',');
    sub->add_option("--preset", o->preset, preset_help("cuda-attention"));
    sub->add_option("--dtype", o->dtypes, "bf16, fp16 (list)")->delimiter(',');
    sub->add_option("--direction", o->directions, "fwd, bwd (list)")->delimiter(',');
    sub->add_option("--mask", o->masks, "none, causal (list)")->delimiter(',');
    sub->add_option("--backend", o->backends, "flash, unfused (list)")->delimiter(',');
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
    sub->callback(
        [o, io, &action] { action = [o, io] { return run_bench_cuda_attention(*o, io); }; });
}

}  // namespace flopmeter
