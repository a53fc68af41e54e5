#include "costmodel/training_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cli/table.hpp"
#include "core/error.hpp"
#include "costmodel/layer_ops.hpp"

namespace flopmeter::cost {

std::string mode_name(Mode m) {
    switch (m) {
        case Mode::pretrain: return "pretrain";
        case Mode::delta: return "delta";
        case Mode::lora: return "lora";
    }
    return "?";
}
std::string recompute_name(Recompute r) {
    switch (r) {
        case Recompute::none: return "none";
        case Recompute::selective: return "selective";
        case Recompute::full: return "full";
    }
    return "?";
}
std::string attention_impl_name(AttentionImpl a) { return a == AttentionImpl::fused ? "fused" : "explicit"; }

void check_training_setup(const ModelConfig& m, const TrainingSetup& s) {
    validate_model(m);
    const Parallelism& p = s.par;
    auto num = [](double x) { return fmt_sig(x, 6); };
    if (!(s.tokens > 0) || !std::isfinite(s.tokens)) throw UsageError("--tokens must be positive (got " + num(s.tokens) + ")");
    if (s.seq_len <= 0) throw UsageError("--seq-len must be a positive integer (got " + std::to_string(s.seq_len) + ")");
    if (s.global_batch <= 0)
        throw UsageError("--global-batch must be a positive integer (got " + std::to_string(s.global_batch) + ")");
    if (p.micro_batch <= 0)
        throw UsageError("--micro-batch must be a positive integer (got " + std::to_string(p.micro_batch) + ")");
    if (p.dp < 1 || p.tp < 1 || p.pp < 1) throw UsageError("--dp, --tp and --pp must be at least 1");
    if (p.virtual_stages < 1) throw UsageError("--virtual-stages must be at least 1");
    if (p.virtual_stages > 1 && p.pp == 1) throw UsageError("--virtual-stages needs --pp > 1");
    if (p.virtual_stages > 1 && m.layers % (std::int64_t(p.pp) * p.virtual_stages) != 0 && !p.uneven_pipeline)
        throw UsageError("--pp x --virtual-stages (" + std::to_string(p.pp * p.virtual_stages) + ") does not divide the " +
                         std::to_string(m.layers) + " layers of '" + m.name + "'");
    if (p.zero < 0 || p.zero > 3) throw UsageError("--zero must be 0, 1, 2 or 3 (got " + std::to_string(p.zero) + ")");
    if (!(p.overlap >= 0 && p.overlap <= 1)) throw UsageError("--overlap must be between 0 and 1 (got " + num(p.overlap) + ")");
    if (s.mode == Mode::delta && s.base_tokens < 0) throw UsageError("--base-tokens must not be negative");
    if (m.learned_positions && s.seq_len > m.max_positions)
        throw UsageError("--seq-len " + std::to_string(s.seq_len) + " exceeds model '" + m.name + "''s " +
                         std::to_string(m.max_positions) + " learned positions");
    if (m.sliding_window > 0 && s.seq_len > m.sliding_window)
        throw UsageError("--seq-len " + std::to_string(s.seq_len) + " exceeds model '" + m.name +
                         "''s sliding window (" + std::to_string(m.sliding_window) + "), which is not modelled");
    const std::string tp = "--tp " + std::to_string(p.tp);
    if (m.heads % p.tp != 0)
        throw UsageError(tp + " does not divide the " + std::to_string(m.heads) + " attention heads of '" + m.name + "'");
    if (m.kv_heads % p.tp != 0 && p.tp % m.kv_heads != 0)
        throw UsageError(tp + " and the " + std::to_string(m.kv_heads) + " KV heads of '" + m.name +
                         "': one must divide the other");
    if (m.ffn % p.tp != 0)
        throw UsageError(tp + " does not divide the MLP size " + std::to_string(m.ffn) + " of '" + m.name + "'");
    if (p.pp > m.layers)
        throw UsageError("--pp " + std::to_string(p.pp) + " exceeds the " + std::to_string(m.layers) + " layers of '" + m.name + "'");
    if (m.layers % p.pp != 0 && !p.uneven_pipeline)
        throw UsageError("--pp " + std::to_string(p.pp) + " does not divide the " + std::to_string(m.layers) +
                         " layers of '" + m.name + "' (--uneven-pipeline gives the first and last stages fewer)");
    if (p.sequence_parallel && (p.micro_batch * s.seq_len) % p.tp != 0)
        throw UsageError("sequence parallelism needs micro-batch x seq-len divisible by " + tp);
    const std::int64_t per_step = std::int64_t(p.dp) * p.micro_batch;
    if (s.global_batch % per_step != 0)
        throw UsageError("--global-batch " + std::to_string(s.global_batch) + " is not a multiple of --dp x --micro-batch (" +
                         std::to_string(p.dp) + " x " + std::to_string(p.micro_batch) + ")");
    if (s.mode == Mode::lora) {
        if (s.lora.rank <= 0) throw UsageError("--lora-rank must be a positive integer");
        if (s.lora.targets.empty()) throw UsageError("--lora-targets is empty");
        lora_params(m, s.lora);  // validates the target names
    }
}

Money money_for(double device_hours, const DeviceFacts& f, const CostInputs& c) {
    Money m;
    m.device_hours = device_hours;
    // A profile without a price or a power figure (a calibrated one, say) leaves cost or energy
    // unknown (NaN, null in JSON), never $0: the report says how to give --price / --power.
    const double unknown = std::numeric_limits<double>::quiet_NaN();
    m.price_per_hour = c.price_per_hour >= 0 ? c.price_per_hour : f.price_per_hour > 0 ? f.price_per_hour : unknown;
    m.dollars = device_hours * m.price_per_hour;
    m.power_watts = c.power_watts >= 0 ? c.power_watts : f.tdp_watts > 0 ? f.tdp_watts : unknown;
    m.power_utilisation = c.power_utilisation;
    m.pue = c.pue;
    m.energy_kwh = device_hours * m.power_watts * m.power_utilisation * m.pue / 1000.0;
    return m;
}

namespace {

struct StagePlan {
    std::string name;
    StageSpec spec;
    double in_flight = 1;  // 1F1B: stage i keeps (pp - i) micro-batches' activations
    double copies = 1;     // stages of this kind in the pipeline (middle: their layers / spec.layers)
};

// Layers per pipeline stage; see Parallelism::uneven_pipeline.
std::vector<std::int64_t> stage_layers(std::int64_t layers, int pp) {
    const std::int64_t per = (layers + pp - 1) / pp;
    std::vector<std::int64_t> v(std::size_t(pp), per);
    std::int64_t extra = per * pp - layers;
    for (int i = 0; extra > 0; ++i, --extra) {
        const int idx = i % 2 == 0 ? i / 2 : pp - 1 - i / 2;  // first, last, second, second-to-last, ...
        --v[std::size_t(idx)];
    }
    return v;
}

// The first and last stages, and one representative of the middle ones (the most layers: the
// slowest and fullest); `copies` makes the middle's FLOPs add up to its real layer count.
std::vector<StagePlan> plan_stages(const ModelConfig& m, const Parallelism& p, double micro) {
    const auto layers = stage_layers(m.layers, p.pp);
    auto inflight = [&](int i) { return std::min(double(p.pp - i), micro); };
    if (p.pp == 1) return {{"whole model", {layers[0], true, true}, 1, 1}};
    std::vector<StagePlan> v{{"first stage (embedding)", {layers.front(), true, false}, inflight(0), 1}};
    if (p.pp > 2) {
        const std::int64_t most = *std::max_element(layers.begin() + 1, layers.end() - 1);
        double sum = 0;
        for (std::size_t i = 1; i + 1 < layers.size(); ++i) sum += double(layers[i]);
        v.push_back({"middle stages", {most, false, false}, inflight(1), sum / double(most)});
    }
    v.push_back({"last stage (logits, loss)", {layers.back(), false, true}, inflight(p.pp - 1), 1});
    return v;
}

// AdamW per trainable parameter: fp32 master weight (or the weight) read and written, both
// moments read and written, the gradient read, and the 16-bit working copy written.
double adam_bytes_per_param(DType d) {
    const bool mixed = d == DType::bf16 || d == DType::fp16;
    return 8.0 + 8.0 + 8.0 + double(dtype_size(d)) + (mixed ? 2.0 : 0.0);
}
constexpr double adam_flops_per_param = 12.0;  // moments, bias corrections, decay, update (for the record)

}  // namespace

StepFlops training_model_flops(const ModelConfig& m, const TrainingSetup& s) {
    const PassShape whole{s.par.micro_batch, s.seq_len, s.seq_len, true, 1, false, s.dtype, s.attention};
    const BackwardSpec bwd{s.mode, s.recompute, s.lora};
    const OpList all = build_stage_ops(m, whole, StageSpec{m.layers, true, true}, &bwd);
    const double per_step = double(s.global_batch) / double(s.par.micro_batch);
    StepFlops f;
    for (const auto& op : all.ops) {
        GroupTotals g{0, op.model_flops * op.repeat * per_step, op.model_flops_noncausal * op.repeat * per_step, 0, 0};
        f.by_group[std::size_t(op.group)] += g;
        f.total += g;
    }
    return f;
}

TrainingEstimate estimate_training(const ModelConfig& m, const TrainingSetup& s, const Predictor& p, const CostInputs& c) {
    check_training_setup(m, s);
    TrainingEstimate e;
    e.model = m;
    e.params = count_params(m);
    e.setup = s;
    e.facts = p.facts();
    const Parallelism& par = s.par;
    const double devices = double(par.devices());
    e.trainable_params = s.mode == Mode::lora ? lora_params(m, s.lora) : e.params.total();
    e.tokens_per_step = double(s.global_batch) * double(s.seq_len);
    e.steps = s.tokens / e.tokens_per_step;
    e.microbatches = double(s.global_batch / (std::int64_t(par.dp) * par.micro_batch));

    const PassShape shape{par.micro_batch, s.seq_len, s.seq_len, true, par.tp, par.sequence_parallel, s.dtype, s.attention};
    const BackwardSpec bwd{s.mode, s.recompute, s.lora};
    double slowest = -1, exec_step = 0, other_step = 0, max_dp = 0, max_trainable = 0;
    for (const auto& sp : plan_stages(m, par, e.microbatches)) {
        StageEstimate st;
        st.name = sp.name;
        st.layers = sp.spec.layers;
        const OpList ops = build_stage_ops(m, shape, sp.spec, &bwd);
        st.timed = time_ops(ops.ops, p);
        const double params_dev = stage_params_per_device(m, par.tp, sp.spec.layers, sp.spec.first, sp.spec.last, par.pp);
        const double trainable_dev = s.mode == Mode::lora ? lora_params(m, s.lora) / double(par.pp * par.tp) : params_dev;
        st.comm = plan_training_comm(m, s, sp.spec.layers, sp.spec.first, trainable_dev, params_dev, p);
        st.per_microbatch_s = st.timed.total.seconds + st.comm.tp_per_microbatch + st.comm.pp_per_microbatch;
        st.memory = training_memory(m, s, ops, sp.spec.layers, sp.spec.first, sp.spec.last, sp.in_flight, e.facts.memory_bytes);
        for (const auto& op : st.timed.ops) e.sources.insert(op_group_name(op.op.group) + ": " + op.pred.source);
        e.sources.insert(st.comm.sources.begin(), st.comm.sources.end());
        exec_step += st.timed.total.executed_flops * e.microbatches * double(par.tp) * double(par.dp) * sp.copies;
        other_step += st.timed.total.other_flops * e.microbatches * double(par.tp) * double(par.dp) * sp.copies;
        max_dp = std::max(max_dp, st.comm.dp_per_step);
        max_trainable = std::max(max_trainable, st.memory.trainable_on_device);
        if (st.per_microbatch_s > slowest) {
            slowest = st.per_microbatch_s;
            e.slowest_stage = int(e.stages.size());
        }
        if (st.memory.total() > e.memory.total()) e.memory = st.memory;
        e.stages.push_back(std::move(st));
    }
    if (!e.memory.fits())
        throw UsageError("does not fit: needs " + describe_memory(e.memory) +
                         "; try more --tp or --pp, --zero 3, --recompute full or a smaller --micro-batch");

    // 1F1B: after (pp - 1) fill steps the slowest stage sets the pace for every micro-batch;
    // interleaving v chunks per device cuts the fill/drain to (pp - 1) / v micro-batch times.
    const StageEstimate& slow = e.stages[std::size_t(e.slowest_stage)];
    const double v = double(par.virtual_stages);
    const double t_mb = slow.per_microbatch_s + (v - 1.0) * slow.comm.pp_per_microbatch;
    e.bubble_s = double(par.pp - 1) / v * t_mb;
    e.pipeline_s = e.microbatches * t_mb + e.bubble_s;
    e.tp_comm_s = e.microbatches * slow.comm.tp_per_microbatch;
    e.pp_comm_s = e.microbatches * v * slow.comm.pp_per_microbatch;
    e.dp_comm_s = max_dp;
    // Overlapped data-parallel traffic hides only under compute that exists.
    const double hideable = e.pipeline_s - e.bubble_s;
    e.dp_exposed_s = max_dp * (1.0 - par.overlap) + std::max(0.0, max_dp * par.overlap - hideable);
    const double opt_params = max_trainable / (par.zero >= 1 ? double(par.dp) : 1.0);
    Op opt;
    opt.name = "optimizer.adamw";
    opt.group = OpGroup::optimizer;
    opt.phase = Phase::optimizer;
    opt.timing = Timing::memory;
    opt.mem = MemQuery{MemOpKind::optimizer, opt_params * adam_bytes_per_param(s.dtype), opt_params * adam_flops_per_param};
    const Prediction opt_pred = predict(opt, p);
    e.sources.insert("optimizer: " + opt_pred.source);
    e.optimizer_s = opt_pred.seconds;
    e.optimizer_flops = e.trainable_params * adam_flops_per_param;
    e.step_s = e.pipeline_s + e.dp_exposed_s + e.optimizer_s;

    const StepFlops sf = training_model_flops(m, s);
    e.step_flops = sf.total;
    e.model_by_group = sf.by_group;
    e.step_flops.executed_flops = exec_step;
    e.step_flops.other_flops = other_step + e.optimizer_flops;

    e.total_model_flops = e.step_flops.model_flops * e.steps;
    e.total_model_flops_noncausal = e.step_flops.model_flops_noncausal * e.steps;
    e.total_executed_flops = e.step_flops.executed_flops * e.steps;
    e.six_nd = 6.0 * (m.is_moe() ? e.params.active : e.params.total()) * s.tokens;
    e.peak_flops = e.facts.peak_flops(s.dtype);
    e.tokens_per_s = e.tokens_per_step / e.step_s;
    e.tokens_per_s_per_device = e.tokens_per_s / devices;
    if (e.peak_flops > 0) {
        e.mfu = e.step_flops.model_flops / (e.step_s * devices * e.peak_flops);
        e.hfu = e.step_flops.executed_flops / (e.step_s * devices * e.peak_flops);
    }
    e.wall_s = e.steps * e.step_s;
    e.money = money_for(e.wall_s * devices / 3600.0, e.facts, c);
    if (s.mode == Mode::delta && s.base_tokens > 0) {
        const double scale = (s.base_tokens + s.tokens) / s.tokens;
        e.scratch_device_hours = e.money.device_hours * scale;
        e.scratch_dollars = e.money.dollars * scale;
    }

    for (std::size_t g = 0; g < std::size_t(op_group_count); ++g) {
        const double sec = slow.timed.by_group[g].seconds * e.microbatches;
        if (sec > 0 || e.model_by_group[g].model_flops > 0)
            e.breakdown.push_back({op_group_name(OpGroup(g)), sec, e.model_by_group[g].model_flops});
    }
    auto extra = [&](const char* kind, double sec) {
        if (sec > 0) e.breakdown.push_back({kind, sec, 0});
    };
    extra("tensor-parallel comm", e.tp_comm_s);
    extra("pipeline send/recv", e.pp_comm_s);
    extra("pipeline bubble", e.bubble_s);
    extra("data-parallel comm (exposed)", e.dp_exposed_s);
    for (auto& r : e.breakdown)
        if (r.kind == op_group_name(OpGroup::optimizer)) r.seconds += e.optimizer_s;
    if (std::none_of(e.breakdown.begin(), e.breakdown.end(),
                     [](const BreakdownRow& r) { return r.kind == op_group_name(OpGroup::optimizer); }))
        e.breakdown.push_back({op_group_name(OpGroup::optimizer), e.optimizer_s, 0});

    if (par.pp > 1)
        e.notes.push_back(std::string(par.virtual_stages > 1 ? "interleaved 1F1B (" + std::to_string(par.virtual_stages) +
                                                                   " chunks per device)"
                                                             : "1F1B") +
                          " pipeline: " + fmt_fixed(100.0 * e.bubble_s / e.step_s, 1) + "% of the step is bubble (" +
                          fmt_sig(double(par.pp - 1) / v, 4) + " fill/drain slots over " + fmt_sig(e.microbatches, 6) +
                          " micro-batches)");
    if (s.mode == Mode::delta)
        e.notes.push_back("delta training: only the " + fmt_sig(s.tokens, 4) +
                          " new tokens are trained, starting from the existing weights");
    if (s.mode == Mode::lora)
        e.notes.push_back("LoRA rank " + std::to_string(s.lora.rank) + ": " + fmt_sig(e.trainable_params, 4) +
                          " trainable parameters; frozen weights get no weight-gradient GEMMs");
    if (e.peak_flops <= 0) e.notes.push_back("the profile has no peak for " + std::string(dtype_name(s.dtype)) + ": MFU/HFU not computed");
    return e;
}

}  // namespace flopmeter::cost
