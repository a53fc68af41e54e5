#include "costmodel/training_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/flops.hpp"
#include "core/text_table.hpp"
#include "costmodel/layer_ops.hpp"

namespace flopmeter::cost {

std::string mode_name(Mode m) {
    switch (m) {
        case Mode::pretrain:
            return "pretrain";
        case Mode::delta:
            return "delta";
        case Mode::lora:
            return "lora";
    }
    return "?";
}
std::string recompute_name(Recompute r) {
    switch (r) {
        case Recompute::none:
            return "none";
        case Recompute::selective:
            return "selective";
        case Recompute::full:
            return "full";
    }
    return "?";
}
std::string schedule_name(Schedule s) {
    switch (s) {
        case Schedule::one_f_one_b:
            return "1f1b";
        case Schedule::zero_bubble:
            return "zero-bubble";
        case Schedule::dualpipe:
            return "dualpipe";
    }
    return "?";
}
std::string attention_impl_name(AttentionImpl a) {
    return a == AttentionImpl::fused ? "fused" : "explicit";
}

void check_training_setup(const ModelConfig& m, const TrainingSetup& s) {
    validate_model(m);
    const Parallelism& p = s.par;
    auto num = [](double x) { return fmt_sig(x, 6); };
    if (!(s.tokens > 0) || !std::isfinite(s.tokens))
        throw UsageError("--tokens must be positive (got " + num(s.tokens) + ")");
    if (s.seq_len <= 0)
        throw UsageError("--seq-len must be a positive integer (got " + std::to_string(s.seq_len) +
                         ")");
    if (s.global_batch <= 0)
        throw UsageError("--global-batch must be a positive integer (got " +
                         std::to_string(s.global_batch) + ")");
    if (p.micro_batch <= 0)
        throw UsageError("--micro-batch must be a positive integer (got " +
                         std::to_string(p.micro_batch) + ")");
    if (p.dp < 1 || p.tp < 1 || p.pp < 1)
        throw UsageError("--dp, --tp and --pp must be at least 1");
    if (p.virtual_stages < 1) throw UsageError("--virtual-stages must be at least 1");
    if (p.virtual_stages > 1 && p.pp == 1) throw UsageError("--virtual-stages needs --pp > 1");
    if (p.virtual_stages > 1 && m.layers % (std::int64_t(p.pp) * p.virtual_stages) != 0 &&
        !p.uneven_pipeline)
        throw UsageError("--pp x --virtual-stages (" + std::to_string(p.pp * p.virtual_stages) +
                         ") does not divide the " + std::to_string(m.layers) + " layers of '" +
                         m.name + "'");
    if (p.ep < 1 || p.cp < 1) throw UsageError("--ep and --cp must be at least 1");
    if (p.ep > 1 && !m.is_moe())
        throw UsageError("--ep needs a mixture-of-experts model ('" + m.name + "' is dense)");
    if (p.ep > 1 && m.experts % p.ep != 0)
        throw UsageError("--ep " + std::to_string(p.ep) + " does not divide the " +
                         std::to_string(m.experts) + " experts of '" + m.name + "'");
    if (p.ep > 1 && p.dp % p.ep != 0)
        throw UsageError("--ep " + std::to_string(p.ep) + " must divide the data-parallel size " +
                         std::to_string(p.dp) +
                         " (expert-parallel ranks are taken from the data-parallel group)");
    if (!(p.moe_imbalance >= 1.0) || !std::isfinite(p.moe_imbalance))
        throw UsageError("--moe-imbalance must be at least 1 (got " + num(p.moe_imbalance) + ")");
    if (!(p.tp_overlap >= 0 && p.tp_overlap <= 1))
        throw UsageError("--tp-overlap must be between 0 and 1 (got " + num(p.tp_overlap) + ")");
    if (p.cp > 1 && s.seq_len % (2 * p.cp) != 0)
        throw UsageError("--cp " + std::to_string(p.cp) + ": the sequence length " +
                         std::to_string(s.seq_len) +
                         " must split into 2 x cp chunks (load-balanced causal ring attention)");
    if (p.cp > 1 && s.attention != AttentionImpl::fused)
        throw UsageError(
            "--cp needs --attention fused (ring attention is a fused kernel per block)");
    if (p.schedule != Schedule::one_f_one_b && p.virtual_stages > 1)
        throw UsageError("--virtual-stages applies to the 1f1b schedule only");
    if (p.schedule == Schedule::dualpipe && (p.pp < 2 || p.pp % 2 != 0))
        throw UsageError("--schedule dualpipe needs an even --pp of at least 2 (got " +
                         std::to_string(p.pp) + ")");
    if (p.schedule != Schedule::one_f_one_b && p.pp < 2)
        throw UsageError("--schedule " + schedule_name(p.schedule) + " needs --pp > 1");
    if (p.zero < 0 || p.zero > 3)
        throw UsageError("--zero must be 0, 1, 2 or 3 (got " + std::to_string(p.zero) + ")");
    if (!(p.overlap >= 0 && p.overlap <= 1))
        throw UsageError("--overlap must be between 0 and 1 (got " + num(p.overlap) + ")");
    if (s.mode == Mode::delta && s.base_tokens < 0)
        throw UsageError("--base-tokens must not be negative");
    if (m.learned_positions && s.seq_len > m.max_positions)
        throw UsageError("--seq-len " + std::to_string(s.seq_len) + " exceeds model '" + m.name +
                         "''s " + std::to_string(m.max_positions) + " learned positions");
    if (m.sliding_window > 0 && s.seq_len > m.sliding_window)
        throw UsageError("--seq-len " + std::to_string(s.seq_len) + " exceeds model '" + m.name +
                         "''s sliding window (" + std::to_string(m.sliding_window) +
                         "), which is not modelled");
    const std::string tp = "--tp " + std::to_string(p.tp);
    if (m.heads % p.tp != 0)
        throw UsageError(tp + " does not divide the " + std::to_string(m.heads) +
                         " attention heads of '" + m.name + "'");
    if (m.kv_heads % p.tp != 0 && p.tp % m.kv_heads != 0)
        throw UsageError(tp + " and the " + std::to_string(m.kv_heads) + " KV heads of '" + m.name +
                         "': one must divide the other");
    if (m.ffn % p.tp != 0)
        throw UsageError(tp + " does not divide the MLP size " + std::to_string(m.ffn) + " of '" +
                         m.name + "'");
    if (p.pp > m.layers)
        throw UsageError("--pp " + std::to_string(p.pp) + " exceeds the " +
                         std::to_string(m.layers) + " layers of '" + m.name + "'");
    if (m.layers % p.pp != 0 && !p.uneven_pipeline)
        throw UsageError("--pp " + std::to_string(p.pp) + " does not divide the " +
                         std::to_string(m.layers) + " layers of '" + m.name +
                         "' (--uneven-pipeline gives the first and last stages fewer)");
    if (p.sequence_parallel && (p.micro_batch * s.seq_len) % p.tp != 0)
        throw UsageError("sequence parallelism needs micro-batch x seq-len divisible by " + tp);
    const std::int64_t per_step = std::int64_t(p.dp) * p.micro_batch;
    if (s.global_batch % per_step != 0)
        throw UsageError("--global-batch " + std::to_string(s.global_batch) +
                         " is not a multiple of --dp x --micro-batch (" + std::to_string(p.dp) +
                         " x " + std::to_string(p.micro_batch) + ")");
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
    m.price_per_hour = c.price_per_hour >= 0  ? c.price_per_hour
                       : f.price_per_hour > 0 ? f.price_per_hour
                                              : unknown;
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
    double copies = 1;  // stages of this kind in the pipeline (middle: their layers / spec.layers)
};

// Layers per pipeline stage; see Parallelism::uneven_pipeline.
std::vector<std::int64_t> stage_layers(std::int64_t layers, int pp) {
    const std::int64_t per = (layers + pp - 1) / pp;
    std::vector<std::int64_t> v(std::size_t(pp), per);
    std::int64_t extra = per * pp - layers;
    for (int i = 0; extra > 0; ++i, --extra) {
        const int idx =
            i % 2 == 0 ? i / 2 : pp - 1 - i / 2;  // first, last, second, second-to-last, ...
        --v[std::size_t(idx)];
    }
    return v;
}

// The first and last stages, and one representative of the middle ones (the most layers: the
// slowest and fullest); `copies` makes the middle's FLOPs add up to its real layer count.
std::vector<StagePlan> plan_stages(const ModelConfig& m, const Parallelism& p, double micro) {
    const auto layers = stage_layers(m.layers, p.pp);
    // 1F1B keeps pp - i micro-batches on stage i (the first stage the most). DualPipe runs stage
    // i and its mirror pp - 1 - i on one device, pp + 1 micro-batches between them (DeepSeek-V3
    // report, Table 2): pp - i and i + 1, so a middle pair keeps pp + 1 of a middle stage's.
    auto inflight = [&](int i) {
        if (p.schedule == Schedule::dualpipe && i > 0 && i < p.pp - 1)
            return std::min(double(p.pp + 1), micro);
        return std::min(double(p.pp - i), micro);
    };
    if (p.pp == 1) return {{"whole model", {layers[0], true, true, 0}, 1, 1}};
    std::vector<StagePlan> v{
        {"first stage (embedding)", {layers.front(), true, false, 0}, inflight(0), 1}};
    if (p.pp > 2) {
        const std::int64_t most = *std::max_element(layers.begin() + 1, layers.end() - 1);
        double sum = 0;
        for (std::size_t i = 1; i + 1 < layers.size(); ++i) sum += double(layers[i]);
        v.push_back({"middle stages",
                     {most, false, false, layers.front()},
                     inflight(1),
                     sum / double(most)});
    }
    v.push_back({"last stage (logits, loss)",
                 {layers.back(), false, true, m.layers - layers.back()},
                 inflight(p.pp - 1),
                 1});
    return v;
}

// AdamW per trainable parameter: fp32 master weight (or the weight) read and written, both
// moments read and written, the gradient read, and the 16-bit working copy written.
double adam_bytes_per_param(DType d) {
    const bool mixed = d == DType::bf16 || d == DType::fp16;
    return 8.0 + 8.0 + 8.0 + double(dtype_size(d)) + (mixed ? 2.0 : 0.0);
}
constexpr double dualpipe_comm_sm_share = 20.0 / 132.0;  // DeepSeek-V3 report, section 3.2.2
constexpr double adam_flops_per_param =
    12.0;  // moments, bias corrections, decay, update (for the record)

}  // namespace

StepFlops training_model_flops(const ModelConfig& m, const TrainingSetup& s) {
    const PassShape whole{s.par.micro_batch, s.seq_len,  s.seq_len, true, 1, false,
                          s.dtype,           s.attention};
    const BackwardSpec bwd{s.mode, s.recompute, s.lora};
    const OpList all = build_stage_ops(m, whole, StageSpec{m.layers, true, true}, &bwd);
    const double per_step = double(s.global_batch) / double(s.par.micro_batch);
    StepFlops f;
    for (const auto& op : all.ops) {
        GroupTotals g{0, op.model_flops * op.repeat * per_step,
                      op.model_flops_noncausal * op.repeat * per_step, 0, 0};
        f.by_group[std::size_t(op.group)] += g;
        f.total += g;
    }
    return f;
}

// What the "does not fit" refusal suggests: only the knobs not already at their limit.
std::string fit_hint(const ModelConfig& m, const TrainingSetup& s) {
    std::vector<std::string> v;
    const Parallelism& p = s.par;
    v.push_back("more --tp or --pp");
    if (m.is_moe()) v.push_back("more --ep");
    if (p.zero < 3) v.push_back("--zero " + std::to_string(p.zero < 1 ? 1 : 3));
    if (s.recompute != Recompute::full)
        v.push_back("--recompute " +
                    std::string(s.recompute == Recompute::none ? "selective or full" : "full"));
    if (p.micro_batch > 1) v.push_back("a smaller --micro-batch");
    if (p.schedule == Schedule::dualpipe)
        v.push_back("another --schedule (DualPipe keeps two copies of the parameters)");
    std::string r;
    for (std::size_t i = 0; i < v.size(); ++i)
        r += (i == 0 ? "" : i + 1 == v.size() ? " or " : ", ") + v[i];
    return r;
}

// "DualPipe pipeline: 5.1% of the step is bubble (...)": the schedule that was modelled and
// the bubble formula it used.
std::string bubble_note(const Parallelism& par, double percent, double microbatches) {
    const std::string share = fmt_fixed(percent, 1) + "% of the step is bubble (";
    const std::string over = " over " + fmt_sig(microbatches, 6) + " micro-batches)";
    auto slots = [](int n) { return std::to_string(n) + (n == 1 ? " slot" : " slots"); };
    switch (par.schedule) {
        case Schedule::zero_bubble:
            return "zero-bubble (ZB1P) pipeline: " + share + slots(par.pp - 1) +
                   " of F + B - 2W, DeepSeek-V3 report Table 2," + over;
        case Schedule::dualpipe:
            return "DualPipe pipeline: " + share + slots(par.pp / 2 - 1) +
                   " of F&B + B - 3W, DeepSeek-V3 report Table 2," + over;
        case Schedule::one_f_one_b:
            break;
    }
    const double v = double(par.virtual_stages);
    return (par.virtual_stages > 1
                ? "interleaved 1F1B (" + std::to_string(par.virtual_stages) + " chunks per device)"
                : std::string("1F1B")) +
           " pipeline: " + share + fmt_sig(double(par.pp - 1) / v, 4) + " fill/drain slots" + over;
}

// Seconds of one micro-batch's forward (F), full backward (B, incl. recomputation) and weight
// gradients (W), the terms of the DeepSeek-V3 report's Table 2 bubble formulas.
struct PhaseTimes {
    double f = 0, b = 0, w = 0;
};
PhaseTimes phase_times(const TimedOps& t) {
    PhaseTimes r;
    for (const auto& op : t.ops) {
        const double sec = op.seconds();
        if (op.op.phase == Phase::forward)
            r.f += sec;
        else if (op.op.phase == Phase::backward_weight)
            r.b += sec, r.w += sec;
        else if (op.op.phase != Phase::optimizer)
            r.b += sec;
    }
    return r;
}

TrainingEstimate estimate_training(const ModelConfig& m, const TrainingSetup& s, const Predictor& p,
                                   const CostInputs& c) {
    check_training_setup(m, s);
    TrainingEstimate e;
    e.model = m;
    e.params = count_params(m);
    e.setup = s;
    e.facts = p.facts();
    const Parallelism& par = s.par;
    const double devices = double(par.devices());
    e.trainable_params =
        s.mode == Mode::lora ? lora_params(m, s.lora) : e.params.total() + e.params.mtp;
    e.tokens_per_step = double(s.global_batch) * double(s.seq_len);
    e.steps = s.tokens / e.tokens_per_step;
    e.microbatches = double(s.global_batch / (std::int64_t(par.dp) * par.micro_batch));

    const std::int64_t local_seq = s.seq_len / par.cp;
    PassShape shape{par.micro_batch,       local_seq, local_seq,  true, par.tp,
                    par.sequence_parallel, s.dtype,   s.attention};
    shape.fp8 = s.fp8;
    shape.ep = par.ep;
    shape.moe_imbalance = par.moe_imbalance;
    shape.cp = par.cp;
    shape.attention_kernel = s.attention_kernel;
    const BackwardSpec bwd{s.mode, s.recompute, s.lora};
    double exec_step = 0, other_step = 0, max_dp = 0, max_opt_params = 0;
    // Pipeline pacing: per stage kind its micro-batch time and how many stages it stands for.
    std::vector<double> t_stage, copies;
    std::vector<PhaseTimes> phases;
    std::vector<double> fp8_weights;  // per stage kind: values of the weights its FP8 GEMMs read
    for (const auto& sp : plan_stages(m, par, e.microbatches)) {
        StageEstimate st;
        st.name = sp.name;
        st.layers = sp.spec.layers;
        const OpList ops = build_stage_ops(m, shape, sp.spec, &bwd);
        st.timed = time_ops(ops.ops, p);
        const StageParams params = stage_params(m, par.tp, par.ep, sp.spec, par.pp);
        const double lora_dev =
            s.mode == Mode::lora ? lora_params(m, s.lora) / double(par.pp * par.tp) : 0.0;
        st.comm = plan_training_comm(m, s, sp.spec, params, lora_dev, p);
        // Tensor-parallel collectives hide (the --tp-overlap fraction) under the GEMMs; DualPipe
        // overlaps expert all-to-all and pipeline transfers with the other direction's compute
        // (DeepSeek-V3 report, section 3.2.1), other schedules leave them on the critical path.
        const CommTimes& cm = st.comm;
        const double ep_pp = cm.ep_per_microbatch + cm.pp_per_microbatch;
        double compute = st.timed.total.seconds;
        // DualPipe's communication kernels take SMs from the compute they overlap: DeepSeek-V3
        // dedicates 20 of the H800's 132 (section 3.2.2). For the C seconds the transfers run,
        // compute has 112 of 132 SMs and so loses C x 20/132 of its work; when the compute is
        // shorter than the transfers, all of it runs on 112 SMs (x 132/112).
        if (par.schedule == Schedule::dualpipe && ep_pp > 0) {
            const double lent = dualpipe_comm_sm_share;
            st.sm_share_s = std::min(ep_pp * lent, compute * lent / (1.0 - lent));
            compute += st.sm_share_s;
        }
        const double tp_exposed =
            cm.tp_per_microbatch - std::min(par.tp_overlap * cm.tp_per_microbatch, compute);
        const double hidden_frac =
            par.schedule == Schedule::dualpipe && ep_pp > 0 ? std::min(1.0, compute / ep_pp) : 0.0;
        st.tp_exposed_s = tp_exposed;
        st.ep_exposed_s = cm.ep_per_microbatch * (1.0 - hidden_frac);
        st.pp_exposed_s = cm.pp_per_microbatch * (1.0 - hidden_frac);
        st.per_microbatch_s =
            compute + tp_exposed + cm.cp_per_microbatch + st.ep_exposed_s + st.pp_exposed_s;
        st.memory = training_memory(m, s, ops, sp.spec, sp.in_flight, e.facts.memory_bytes);
        for (const auto& op : st.timed.ops)
            e.sources.insert(op_group_name(op.op.group) + ": " + op.pred.source);
        e.sources.insert(st.comm.sources.begin(), st.comm.sources.end());
        const double replicas = double(par.tp) * double(par.dp) * double(par.cp) * sp.copies;
        exec_step += st.timed.total.executed_flops * e.microbatches * replicas;
        other_step += st.timed.total.other_flops * e.microbatches * replicas;
        max_dp = std::max(max_dp, st.comm.dp_per_step);
        max_opt_params = std::max(max_opt_params, st.memory.optimizer_params);
        if (st.memory.total() > e.memory.total()) e.memory = st.memory;
        t_stage.push_back(st.per_microbatch_s);
        copies.push_back(sp.copies);
        phases.push_back(phase_times(st.timed));
        double w8 = 0;
        for (const auto& op : ops.ops)
            if (op.fp8 && op.timing == Timing::gemm && op.phase == Phase::forward)
                w8 += double(op.gemm.k) * double(op.gemm.n) * double(op.gemm.batch) * op.repeat;
        fp8_weights.push_back(w8);
        e.stages.push_back(std::move(st));
    }
    if (par.schedule == Schedule::dualpipe && e.stages.size() >= 2) {
        // One device holds the first and the last stage: each plan counted two parameter copies
        // (its own and its mirror's), so the pair's parameters are half their sum.
        const MemoryPlan& a = e.stages.front().memory;
        const MemoryPlan& b = e.stages.back().memory;
        MemoryPlan dev = a;
        dev.weights = (a.weights + b.weights) / 2;
        dev.gradients = (a.gradients + b.gradients) / 2;
        dev.optimizer = (a.optimizer + b.optimizer) / 2;
        dev.activations = a.activations + b.activations;
        dev.params_on_device = (a.params_on_device + b.params_on_device) / 2;
        dev.trainable_on_device = (a.trainable_on_device + b.trainable_on_device) / 2;
        dev.optimizer_params = (a.optimizer_params + b.optimizer_params) / 2;
        // The pair's device, or a middle one (the first and last plans alone are not devices).
        const double middle = e.stages.size() > 2 ? e.stages[1].memory.optimizer_params : 0.0;
        max_opt_params = std::max(dev.optimizer_params, middle);
        e.memory = e.stages.size() > 2 && e.stages[1].memory.total() > dev.total()
                       ? e.stages[1].memory
                       : dev;
    }
    if (!e.memory.fits())
        throw UsageError("does not fit: needs " + describe_memory(e.memory) + "; try " +
                         fit_hint(m, s));

    // DualPipe: each device runs stage i and its mirror pp - 1 - i, so the first and last
    // stages' work is shared.
    std::vector<double> pace = t_stage;
    if (par.schedule == Schedule::dualpipe && pace.size() >= 2)
        pace.front() = pace.back() = (t_stage.front() + t_stage.back()) / 2.0;
    e.slowest_stage = int(std::max_element(pace.begin(), pace.end()) - pace.begin());
    const StageEstimate& slow = e.stages[std::size_t(e.slowest_stage)];
    const double v = double(par.virtual_stages);
    const double t_max = pace[std::size_t(e.slowest_stage)];
    const double t_mb = t_max + (v - 1.0) * slow.pp_exposed_s;
    double sum_t = 0;
    for (std::size_t i = 0; i < pace.size(); ++i) sum_t += pace[i] * copies[i];
    // 1F1B: the first micro-batch passes every stage forward and back before the slowest stage
    // can run one per slot; the fill/drain is the other stages' time, sum(t_i) - t_max
    // ((pp - 1) t for equal stages), over v with interleaving. Zero-bubble and DualPipe: the
    // DeepSeek-V3 report's Table 2 formulas with the slowest stage's F, B and W.
    // What paces the pipeline: the slowest stage, or under DualPipe the first and last stages'
    // pair (one device), half each.
    const bool paired = par.schedule == Schedule::dualpipe && e.stages.size() >= 2 &&
                        (e.slowest_stage == 0 || e.slowest_stage == int(e.stages.size()) - 1);
    PhaseTimes ph = phases[std::size_t(e.slowest_stage)];
    if (paired) {  // F, B and W of the pair's device, like its pace
        ph.f = (phases.front().f + phases.back().f) / 2.0;
        ph.b = (phases.front().b + phases.back().b) / 2.0;
        ph.w = (phases.front().w + phases.back().w) / 2.0;
    }
    // Table 2's formulas assume equal stages; with unequal ones they are scaled like 1F1B's:
    // u = (sum(t_i) - t_max) / ((pp - 1) t_max), 1 for equal stages.
    const double u = par.pp > 1 && t_max > 0 ? (sum_t - t_max) / (double(par.pp - 1) * t_max) : 0.0;
    switch (par.schedule) {
        case Schedule::one_f_one_b:
            e.bubble_s = (sum_t - t_max) / v;
            break;
        case Schedule::zero_bubble:
            e.bubble_s = u * double(par.pp - 1) * std::max(0.0, t_max - 2.0 * ph.w);
            break;
        case Schedule::dualpipe:
            e.bubble_s =
                u * (double(par.pp) / 2.0 - 1.0) * std::max(0.0, t_max + ph.b - 3.0 * ph.w);
            break;
    }
    e.pipeline_s = e.microbatches * t_mb + e.bubble_s;
    auto paced = [&](auto get) {
        return paired ? (get(e.stages.front()) + get(e.stages.back())) / 2.0 : get(slow);
    };
    e.tp_comm_s = e.microbatches * paced([](const StageEstimate& x) { return x.tp_exposed_s; });
    e.ep_comm_s = e.microbatches * paced([](const StageEstimate& x) { return x.ep_exposed_s; });
    e.cp_comm_s =
        e.microbatches * paced([](const StageEstimate& x) { return x.comm.cp_per_microbatch; });
    e.pp_comm_s = e.microbatches * v * paced([](const StageEstimate& x) { return x.pp_exposed_s; });
    const double sm_share_s =
        e.microbatches * paced([](const StageEstimate& x) { return x.sm_share_s; });
    e.dp_comm_s = max_dp;
    // Overlapped data-parallel traffic hides only under compute that exists.
    const double hideable = e.pipeline_s - e.bubble_s;
    e.dp_exposed_s = max_dp * (1.0 - par.overlap) + std::max(0.0, max_dp * par.overlap - hideable);
    // The device with the most optimizer state to update (experts shard over fewer ranks).
    const double opt_params = max_opt_params;
    Op opt;
    opt.name = "optimizer.adamw";
    opt.group = OpGroup::optimizer;
    opt.phase = Phase::optimizer;
    opt.timing = Timing::memory;
    opt.mem = MemQuery{MemOpKind::optimizer, opt_params * adam_bytes_per_param(s.dtype),
                       opt_params * adam_flops_per_param};
    const Prediction opt_pred = predict(opt, p);
    e.sources.insert("optimizer: " + opt_pred.source);
    e.optimizer_s = opt_pred.seconds;
    e.optimizer_flops = e.trainable_params * adam_flops_per_param;
    // FP8 weights: cast from the 16-bit working copy in 128x128 blocks after each optimizer step
    // (DeepSeek-V3 report, section 3.3.1), by the device holding the most of them (under
    // DualPipe a device holds a stage and its mirror).
    if (s.fp8 && !fp8_weights.empty()) {
        double w8 = *std::max_element(fp8_weights.begin(), fp8_weights.end());
        if (par.schedule == Schedule::dualpipe && fp8_weights.size() >= 2)
            w8 = std::max(fp8_weights.front() + fp8_weights.back(),
                          fp8_weights.size() > 2 ? 2.0 * fp8_weights[1] : 0.0);
        Op cast;
        cast.name = "fp8.weight_cast";
        cast.group = OpGroup::optimizer;
        cast.phase = Phase::optimizer;
        cast.timing = Timing::memory;
        cast.mem = MemQuery{MemOpKind::copy,
                            flops::fp8_weight_quant_bytes(w8, double(dtype_size(s.dtype))), 0};
        const Prediction cp = predict(cast, p);
        e.sources.insert("FP8 weight casts: " + cp.source);
        e.fp8_weight_cast_s = cp.seconds;
    }
    e.step_s = e.pipeline_s + e.dp_exposed_s + e.optimizer_s + e.fp8_weight_cast_s;

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
        e.mfu_noncausal = e.step_flops.model_flops_noncausal / (e.step_s * devices * e.peak_flops);
    }
    e.wall_s = e.steps * e.step_s;
    e.money = money_for(e.wall_s * devices / 3600.0, e.facts, c);
    if (s.mode == Mode::delta && s.base_tokens > 0) {
        const double scale = (s.base_tokens + s.tokens) / s.tokens;
        e.scratch_device_hours = e.money.device_hours * scale;
        e.scratch_dollars = e.money.dollars * scale;
    }

    for (std::size_t g = 0; g < std::size_t(op_group_count); ++g) {
        const double sec =
            paced([g](const StageEstimate& x) { return x.timed.by_group[g].seconds; }) *
            e.microbatches;
        if (sec > 0 || e.model_by_group[g].model_flops > 0)
            e.breakdown.push_back(
                {op_group_name(OpGroup(g)), sec, e.model_by_group[g].model_flops});
    }
    auto extra = [&](const char* kind, double sec) {
        if (sec > 0) e.breakdown.push_back({kind, sec, 0});
    };
    extra("tensor-parallel comm (exposed)", e.tp_comm_s);
    extra("expert all-to-all (exposed)", e.ep_comm_s);
    extra("context-parallel comm", e.cp_comm_s);
    extra("pipeline send/recv (exposed)", e.pp_comm_s);
    extra("SMs lent to overlapped communication (DualPipe)", sm_share_s);
    extra("pipeline bubble", e.bubble_s);
    extra("data-parallel comm (exposed)", e.dp_exposed_s);
    extra("FP8 weight casts (once per step)", e.fp8_weight_cast_s);
    for (auto& r : e.breakdown)
        if (r.kind == op_group_name(OpGroup::optimizer)) r.seconds += e.optimizer_s;
    if (std::none_of(e.breakdown.begin(), e.breakdown.end(), [](const BreakdownRow& r) {
            return r.kind == op_group_name(OpGroup::optimizer);
        }))
        e.breakdown.push_back({op_group_name(OpGroup::optimizer), e.optimizer_s, 0});

    if (par.pp > 1)
        e.notes.push_back(bubble_note(par, 100.0 * e.bubble_s / e.step_s, e.microbatches));
    if (s.mode == Mode::delta)
        e.notes.push_back("delta training: only the " + fmt_sig(s.tokens, 4) +
                          " new tokens are trained, starting from the existing weights");
    if (s.mode == Mode::lora)
        e.notes.push_back("LoRA rank " + std::to_string(s.lora.rank) + ": " +
                          fmt_sig(e.trainable_params, 4) +
                          " trainable parameters; frozen weights get no weight-gradient GEMMs");
    if (e.peak_flops <= 0)
        e.notes.push_back("the profile has no peak for " + std::string(dtype_name(s.dtype)) +
                          ": MFU/HFU not computed");
    return e;
}

}  // namespace flopmeter::cost
