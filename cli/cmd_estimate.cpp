// `flopmeter estimate`: what training (pretraining, delta training, LoRA) or serving a model
// costs on a device profile, op by op; --compare-datasheet prints a datasheet profile's
// estimate beside it.
#include <cmath>
#include <limits>
#include <sstream>

#include "calibrate/profile_store.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/time_value.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "costmodel/estimate_report.hpp"
#include "costmodel/layout_search.hpp"
#include "costmodel/model_source.hpp"
#include "costmodel/param_count.hpp"
#include "costmodel/presets.hpp"

namespace flopmeter {

namespace {

using namespace cost;

struct EstimateOptions {
    std::string model, profile, compare;
    bool allow_unknown = false;
    std::string mode = "pretrain";
    double tokens = std::numeric_limits<double>::quiet_NaN(), base_tokens = 0;
    std::int64_t seq_len = 0, global_batch = 0;
    std::string dtype = "bf16", recompute = "none", attention = "fused",
                attention_kernel = "default";
    int devices = 0, dp = 0, tp = 1, pp = 1, zero = 0, virtual_stages = 1;
    std::int64_t micro_batch = 1;
    bool sequence_parallel = false, uneven_pipeline = false;
    double overlap = 0.0;
    std::int64_t lora_rank = 16;
    std::vector<std::string> lora_targets{"q", "v"};
    std::int64_t batch = 1, prompt_tokens = 512, output_tokens = 256;
    std::string weights = "bf16";
    std::string kv_dtype = "compute";
    std::string op_overhead = "0", kv_append = "inplace";
    CostInputs cost;
    WhatIfInputs whatif;
    std::string json_path, markdown_path;
    bool show_ops = false;
    // Frontier-run knobs (issue 15): expert and context parallelism, schedule, overlap, FP8,
    // and the layout search (--tp auto / --pp auto).
    std::string tp_arg = "1", pp_arg = "1", schedule = "1f1b";
    int ep = 1, cp = 1, top = 5, mtp_depth = -1;
    double tp_overlap = 0.0, moe_imbalance = 1.0;
    bool fp8 = false;
};

// --tp/--pp: a positive integer, or "auto" (0 here) for the layout search.
int parse_parallel_size(const std::string& v, const char* opt) {
    if (v == "auto") return 0;
    std::size_t used = 0;
    int n = 0;
    try {
        n = std::stoi(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size() || n < 1)
        throw UsageError(std::string(opt) + " must be a positive integer or 'auto' (got '" + v +
                         "')");
    return n;
}

template <class T>
T pick(const std::string& v, const char* opt,
       std::initializer_list<std::pair<const char*, T>> choices) {
    std::string valid;
    for (const auto& [n, x] : choices) {
        if (v == n) return x;
        valid += (valid.empty() ? "" : ", ") + std::string(n);
    }
    throw UsageError(std::string("unknown ") + opt + " '" + v + "' (valid: " + valid + ")");
}

DType compute_dtype(const std::string& d) {
    return pick<DType>(d, "--dtype",
                       {{"bf16", DType::bf16}, {"fp16", DType::fp16}, {"fp32", DType::fp32}});
}

TrainingSetup training_setup(const EstimateOptions& o, const ModelConfig& m) {
    TrainingSetup s;
    s.mode =
        pick<Mode>(o.mode, "--mode",
                   {{"pretrain", Mode::pretrain}, {"delta", Mode::delta}, {"lora", Mode::lora}});
    s.tokens = o.tokens;
    s.base_tokens = o.base_tokens;
    s.seq_len = o.seq_len > 0 ? o.seq_len : m.default_seq_len;
    if (s.seq_len <= 0)
        throw UsageError("give --seq-len (the model has no default sequence length)");
    if (std::isnan(o.tokens))
        throw UsageError("give --tokens (how many tokens to train on, e.g. 2e12)");
    s.dtype = compute_dtype(o.dtype);
    s.recompute = pick<Recompute>(o.recompute, "--recompute",
                                  {{"none", Recompute::none},
                                   {"selective", Recompute::selective},
                                   {"full", Recompute::full}});
    s.attention = pick<AttentionImpl>(
        o.attention, "--attention",
        {{"fused", AttentionImpl::fused}, {"explicit", AttentionImpl::explicit_matmul}});
    s.attention_kernel = parse_attention_kernel(o.attention_kernel);
    Parallelism& p = s.par;
    p.tp = o.tp;
    p.pp = o.pp;
    p.ep = o.ep;
    p.cp = o.cp;
    p.tp_overlap = o.tp_overlap;
    p.moe_imbalance = o.moe_imbalance;
    p.schedule = pick<Schedule>(o.schedule, "--schedule",
                                {{"1f1b", Schedule::one_f_one_b},
                                 {"zero-bubble", Schedule::zero_bubble},
                                 {"dualpipe", Schedule::dualpipe}});
    s.fp8 = o.fp8;
    if (o.cp < 1 || o.ep < 1) throw UsageError("--ep and --cp must be at least 1");
    if (p.tp < 1 || p.pp < 1) throw UsageError("--tp and --pp must be at least 1");
    if (o.devices < 0 || o.dp < 0) throw UsageError("--devices and --dp must be positive");
    if (o.devices > 0) {
        if (o.devices % (p.tp * p.pp * p.cp) != 0)
            throw UsageError("--devices " + std::to_string(o.devices) +
                             " is not a multiple of --tp x --pp x --cp (" + std::to_string(p.tp) +
                             " x " + std::to_string(p.pp) + " x " + std::to_string(p.cp) + ")");
        p.dp = o.devices / (p.tp * p.pp * p.cp);
        if (o.dp > 0 && o.dp != p.dp)
            throw UsageError("--dp " + std::to_string(o.dp) +
                             " x --tp x --pp does not equal --devices " +
                             std::to_string(o.devices));
    } else {
        p.dp = o.dp > 0 ? o.dp : 1;
    }
    p.zero = o.zero;
    p.micro_batch = o.micro_batch;
    p.sequence_parallel = o.sequence_parallel;
    p.uneven_pipeline = o.uneven_pipeline;
    p.virtual_stages = o.virtual_stages;
    p.overlap = o.overlap;
    if (o.global_batch > 0) {
        s.global_batch = o.global_batch;
    } else if (p.micro_batch > 0) {
        // Default: about 4M tokens per step (Llama 2's batch, Touvron et al. 2023b), rounded up
        // to whole micro-batches on every data-parallel rank.
        const std::int64_t unit = std::int64_t(p.dp) * p.micro_batch;
        const std::int64_t want =
            std::max<std::int64_t>(1, (4 * 1024 * 1024 + s.seq_len - 1) / s.seq_len);
        s.global_batch = (want + unit - 1) / unit * unit;
    }
    s.lora.rank = o.lora_rank;
    s.lora.targets = o.lora_targets;
    return s;
}

InferenceSetup inference_setup(const EstimateOptions& o) {
    InferenceSetup s;
    s.batch = o.batch;
    s.prompt_tokens = o.prompt_tokens;
    s.output_tokens = o.output_tokens;
    s.weights = pick<WeightPrecision>(o.weights, "--weights",
                                      {{"bf16", WeightPrecision::bf16},
                                       {"int8", WeightPrecision::int8},
                                       {"int4", WeightPrecision::int4}});
    s.kv = pick<KvPrecision>(o.kv_dtype, "--kv-dtype",
                             {{"compute", KvPrecision::compute},
                              {"bf16", KvPrecision::bf16},
                              {"int8", KvPrecision::int8}});
    s.compute = compute_dtype(o.dtype);
    s.tp = o.tp;
    s.op_overhead_s = parse_time_value(o.op_overhead, "--op-overhead");
    s.attention = pick<AttentionImpl>(
        o.attention, "--attention",
        {{"fused", AttentionImpl::fused}, {"explicit", AttentionImpl::explicit_matmul}});
    s.kv_append = pick<KvAppend>(o.kv_append, "--kv-append",
                                 {{"inplace", KvAppend::in_place}, {"concat", KvAppend::concat}});
    return s;
}

void write_outputs(const EstimateOptions& o, const nlohmann::json& j, const std::string& md,
                   Io io) {
    if (!o.json_path.empty()) {
        write_output(o.json_path, j.dump(2) + "\n", io.out);
        if (o.json_path != "-") io.err << "estimate written to " << o.json_path << '\n';
    }
    write_output(o.markdown_path, md, io.out);
}

// --tp auto / --pp auto: every layout of --devices that fits, best first.
int run_layout_search(const EstimateOptions& o, const ModelConfig& m, const Predictor& p,
                      std::ostream& text) {
    if (o.mode != "pretrain" && o.mode != "delta")
        throw UsageError("--tp auto / --pp auto search training layouts only");
    if (o.devices < 1)
        throw UsageError("--tp auto / --pp auto need --devices (how many devices to lay out)");
    if (o.top < 1) throw UsageError("--top must be at least 1");
    EstimateOptions fixed = o;
    fixed.tp = o.tp == 0 ? 1 : o.tp;
    fixed.pp = o.pp == 0 ? 1 : o.pp;
    fixed.devices = 0;  // dp comes from each layout
    fixed.dp = 1;
    TrainingSetup base = training_setup(fixed, m);
    base.par.tp = o.tp;
    base.par.pp = o.pp;
    if (o.global_batch <= 0) {
        // The default batch (~4M tokens) rounded to a multiple of every data-parallel size.
        const std::int64_t want =
            std::max<std::int64_t>(1, (4 * 1024 * 1024 + base.seq_len - 1) / base.seq_len);
        const std::int64_t unit = o.devices;
        base.global_batch = (want + unit - 1) / unit * unit;
    }
    LayoutGrid g;
    g.devices = o.devices;
    const LayoutSearch r = search_layouts(m, base, g, p, std::size_t(o.top));
    text << "model " << m.name << ", " << o.devices << " devices, global batch "
         << base.global_batch << " x " << base.seq_len << " tokens\n";
    print_layout_search(text, r, p.facts(), false);
    return r.best.empty() ? 2 : 0;
}

int run_estimate(const EstimateOptions& o, Io io) {
    check_output_paths({o.json_path, o.markdown_path});
    ModelConfig m = load_model(o.model, HfParseOptions{o.allow_unknown});
    if (o.mtp_depth >= 0) m.mtp_depth = o.mtp_depth;
    std::vector<std::pair<std::string, std::unique_ptr<Predictor>>> profiles;
    profiles.emplace_back(o.profile, load_predictor(o.profile));
    if (!o.compare.empty()) profiles.emplace_back(o.compare, load_predictor(o.compare));
    // With --json - the JSON is the whole of stdout; the report goes to stderr.
    std::ostream& text = text_stream(io, {o.json_path, o.markdown_path});
    nlohmann::json j;
    std::ostringstream md;

    if (o.mode == "inference") {
        const InferenceSetup s = inference_setup(o);
        std::vector<Labelled<InferenceEstimate>> runs;
        for (const auto& [name, p] : profiles)
            runs.push_back({name, estimate_inference(m, s, *p, o.cost)});
        print_inference(text, runs, false);
        print_inference(md, runs, true);
        j["estimates"] = nlohmann::json::array();
        for (const auto& r : runs) j["estimates"].push_back(inference_json(r));
        write_outputs(o, j, md.str(), io);
        return 0;
    }
    if (o.tp == 0 || o.pp == 0) return run_layout_search(o, m, *profiles.front().second, text);
    const TrainingSetup s = training_setup(o, m);
    std::vector<Labelled<TrainingEstimate>> runs;
    for (const auto& [name, p] : profiles)
        runs.push_back({name, estimate_training(m, s, *p, o.cost)});
    print_training(text, runs, false, o.show_ops);
    print_training(md, runs, true, o.show_ops);
    j["estimates"] = nlohmann::json::array();
    for (const auto& r : runs) j["estimates"].push_back(training_json(r));
    if (o.whatif.years > 0) {
        const TrainingEstimate& e = runs.front().estimate;
        const auto rows = project_cost(o.whatif, e.total_model_flops, e.money.device_hours,
                                       e.money.dollars, e.money.energy_kwh);
        print_whatif(text, o.whatif, rows, false);
        print_whatif(md, o.whatif, rows, true);
        j["whatif"] = whatif_json(o.whatif, rows);
    }
    write_outputs(o, j, md.str(), io);
    return 0;
}

}  // namespace

void register_estimate(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<EstimateOptions>();
    // Checked while parsing, so a bad value stops the command before any report is printed.
    const CLI::Validator finite_positive(
        [](std::string& v) {
            const double x = std::strtod(v.c_str(), nullptr);
            return std::isfinite(x) && x > 0 ? std::string()
                                             : "must be a positive finite number, got " + v;
        },
        "POSITIVE");
    const CLI::Validator finite_nonneg(
        [](std::string& v) {
            const double x = std::strtod(v.c_str(), nullptr);
            return std::isfinite(x) && x >= 0 ? std::string()
                                              : "must be a finite number >= 0, got " + v;
        },
        "NONNEGATIVE");
    CLI::App* sub = app.add_subcommand(
        "estimate", "What training or serving a model costs on a device profile");
    sub->add_option("--model", o->model,
                    "Preset (" + cost::preset_names() +
                        ") or a Hugging Face config.json (file or directory)")
        ->required();
    sub->add_option("--profile", o->profile,
                    "Device profile: built-in datasheet name, local profile, or profile JSON file")
        ->required();
    sub->add_option("--compare-datasheet", o->compare,
                    "A second (datasheet) profile whose estimate prints beside the first");
    sub->add_flag("--allow-unknown-fields", o->allow_unknown,
                  "Ignore config.json fields flopmeter does not know");
    sub->add_option(
        "--mode", o->mode,
        "pretrain (default), delta (continued pretraining on new tokens), lora, inference");
    sub->add_option("--tokens", o->tokens,
                    "Tokens to train on (delta: the new tokens only), e.g. 2e12")
        ->check(finite_positive);
    sub->add_option("--base-tokens", o->base_tokens,
                    "delta: tokens of the original pretraining, to show the from-scratch cost")
        ->check(finite_nonneg);
    sub->add_option("--seq-len", o->seq_len,
                    "Sequence length (default: the model's pretraining length)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--global-batch", o->global_batch,
                    "Sequences per optimizer step (default: ~4M tokens)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--dtype", o->dtype,
                    "Compute dtype: bf16 (default; mixed precision), fp16, fp32");
    sub->add_option("--recompute", o->recompute,
                    "Activation recomputation: none (default), selective, full");
    sub->add_option("--attention", o->attention,
                    "fused (FlashAttention-style kernel, default) or explicit (QK^T, softmax, PV)");
    sub->add_option("--attention-kernel", o->attention_kernel,
                    "Fused attention implementation on Hopper datasheet profiles: fa2, cudnn, fa3 "
                    "(default: cudnn, "
                    "Transformer Engine's choice on Hopper)");
    sub->add_option("--devices", o->devices, "Devices in all (= dp x tp x pp; sets dp)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--dp", o->dp, "Data-parallel size (default 1, or --devices / (tp x pp))")
        ->check(CLI::PositiveNumber);
    sub->add_option("--tp", o->tp_arg,
                    "Tensor-parallel size (default 1; 'auto': search layouts, see --pp auto)");
    sub->add_option(
        "--pp", o->pp_arg,
        "Pipeline-parallel size (default 1; 'auto' with --devices: the best layouts, top --top)");
    sub->add_option(
           "--ep", o->ep,
           "Expert-parallel size, taken from the data-parallel ranks (MoE models; default 1)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--cp", o->cp,
                    "Context-parallel size: ring attention over sequence chunks (default 1)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--schedule", o->schedule,
                    "Pipeline schedule: 1f1b (default; interleaved with --virtual-stages), "
                    "zero-bubble, dualpipe");
    sub->add_option("--tp-overlap", o->tp_overlap,
                    "Fraction of tensor-parallel collectives hidden under GEMMs, 0..1 (default 0)");
    sub->add_option("--moe-imbalance", o->moe_imbalance,
                    "Busiest expert-parallel rank's tokens over the average, >= 1 (default 1.0)");
    sub->add_flag("--fp8", o->fp8,
                  "FP8 GEMMs for the linear layers (DeepSeek-V3 recipe; attention, head, gating "
                  "stay 16-bit)");
    sub->add_option("--top", o->top, "Layout search: how many layouts to print (default 5)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--mtp-depth", o->mtp_depth,
                    "Multi-token prediction modules to train (default: the model's; 0: none)")
        ->check(CLI::Range(0, 64));
    sub->add_option("--zero", o->zero, "ZeRO stage over the data-parallel group: 0 (default) to 3")
        ->check(CLI::Range(0, 3));
    sub->add_option("--micro-batch", o->micro_batch, "Sequences per micro-batch (default 1)")
        ->check(CLI::PositiveNumber);
    sub->add_flag("--sequence-parallel", o->sequence_parallel,
                  "Megatron sequence parallelism for norms and residuals");
    sub->add_option("--virtual-stages", o->virtual_stages,
                    "Interleaved 1F1B: model chunks per device (default 1, plain 1F1B)")
        ->check(CLI::PositiveNumber);
    sub->add_flag(
        "--uneven-pipeline", o->uneven_pipeline,
        "Allow --pp not dividing the layers: first and last stages take fewer (as Llama 3 405B)");
    sub->add_option(
           "--overlap", o->overlap,
           "Fraction of data-parallel communication hidden under compute, 0..1 (default 0)")
        ->check(CLI::Range(0.0, 1.0));
    sub->add_option("--lora-rank", o->lora_rank, "LoRA rank (default 16)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--lora-targets", o->lora_targets,
                    "LoRA target modules: q,k,v,o,gate,up,down (default q,v)")
        ->delimiter(',');
    sub->add_option("--batch", o->batch, "inference: concurrent sequences (default 1)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--prompt-tokens", o->prompt_tokens, "inference: prompt length (default 512)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--output-tokens", o->output_tokens,
                    "inference: generated tokens per sequence (default 256)")
        ->check(CLI::PositiveNumber);
    sub->add_option("--weights", o->weights,
                    "inference: weight precision bf16 (default), int8, int4");
    sub->add_option("--kv-dtype", o->kv_dtype,
                    "inference: KV cache storage compute (the --dtype, default), bf16, int8 (one "
                    "fp32 scale per token and KV head)");
    sub->add_option(
        "--op-overhead", o->op_overhead,
        "inference: the runtime's host time per op it launches, added to every op (e.g. 10us; "
        "default 0: flopmeter's own kernels back to back)");
    sub->add_option("--kv-append", o->kv_append,
                    "inference: how the runtime appends to the KV cache: inplace (preallocated, "
                    "default) or concat "
                    "(a new tensor every step, as torch.cat: the whole cache copied)");
    sub->add_option("--price", o->cost.price_per_hour,
                    "USD per device-hour (default: the profile's)")
        ->check(finite_nonneg);
    sub->add_option("--power", o->cost.power_watts, "Watts per device (default: the profile's TDP)")
        ->check(finite_nonneg);
    sub->add_option("--power-utilisation", o->cost.power_utilisation,
                    "Average draw as a fraction of that power (default 1.0)");
    sub->add_option("--pue", o->cost.pue, "Data-centre PUE (default 1.1, Patterson et al. 2021)");
    sub->add_option("--years", o->whatif.years,
                    "What-if: print the cost after 1..N years of improvement")
        ->check(CLI::Range(0, 100));
    sub->add_option("--hw-improvement", o->whatif.hardware_per_year,
                    "What-if: price-performance factor per year (default 1.32)")
        ->check(finite_positive);
    sub->add_option("--algo-improvement", o->whatif.algorithm_per_year,
                    "What-if: algorithmic efficiency factor per year (default 2.83)")
        ->check(finite_positive);
    sub->add_option("--json", o->json_path,
                    "Write the estimate as JSON to FILE ('-': stdout, report to stderr)");
    sub->add_option("--markdown", o->markdown_path, "Write the report as Markdown to FILE");
    sub->add_flag("--show-ops", o->show_ops,
                  "Print every op of one micro-batch with its shape, time and source");
    sub->callback([o, io, &action] {
        action = [o, io] {
            o->tp = parse_parallel_size(o->tp_arg, "--tp");
            o->pp = parse_parallel_size(o->pp_arg, "--pp");
            if (o->mtp_depth < -1) throw UsageError("--mtp-depth must not be negative");
            if (!(o->cost.pue >= 1.0)) throw UsageError("--pue must be at least 1");
            if (!(o->cost.power_utilisation > 0 && o->cost.power_utilisation <= 1.0))
                throw UsageError("--power-utilisation must be in (0, 1]");
            return run_estimate(*o, io);
        };
    });
}

}  // namespace flopmeter
