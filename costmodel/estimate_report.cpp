#include "costmodel/estimate_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/text_table.hpp"

namespace flopmeter::cost {

std::string fmt_duration(double s) {
    if (s >= 2.0 * 86400 * 365) return fmt_sig(s / (86400 * 365), 3) + " years";
    if (s >= 2.0 * 86400) return fmt_sig(s / 86400, 3) + " days";
    if (s >= 2.0 * 3600) return fmt_sig(s / 3600, 3) + " h";
    if (s >= 120) return fmt_sig(s / 60, 3) + " min";
    return fmt_time(s);
}

std::string fmt_count(double x) {
    const double a = std::fabs(x);
    if (a >= 1e12) return fmt_sig(x / 1e12, 4) + " T";
    if (a >= 1e9) return fmt_sig(x / 1e9, 4) + " B";
    if (a >= 1e6) return fmt_sig(x / 1e6, 4) + " M";
    if (a >= 1e4) return fmt_sig(x / 1e3, 4) + " k";
    return fmt_sig(x, 4);
}

namespace {

// Built by appending: GCC 12 warns (-Wrestrict, a false positive) on "literal" + std::string&&.
std::string dollars(const std::string& amount) {
    std::string s = "$";
    s += amount;
    return s;
}
// NaN: the profile has no price (or power) and none was given.
const char* const kUnknownPrice = "unknown (give --price USD per device-hour)";
const char* const kUnknownPower = "unknown (give --power W per device)";
std::string money(double d) {
    if (std::isnan(d)) return kUnknownPrice;
    if (d >= 1e6) return dollars(fmt_sig(d / 1e6, 4) + " M");
    if (d >= 1e3) return dollars(fmt_sig(d / 1e3, 4) + " k");
    return dollars(fmt_sig(d, 3));
}
std::string energy(double kwh) {
    return std::isnan(kwh) ? std::string(kUnknownPower) : fmt_count(kwh);
}
std::string ratio(double a, double b) {
    return a > 0 && b > 0 ? fmt_sig(b / a, 3) + "x" : "-";
}

void print_table(std::ostream& os, const Table& t, bool md) {
    if (md)
        t.print_markdown(os);
    else
        t.print(os);
    os << '\n';
}

void heading(std::ostream& os, const std::string& h, bool md) {
    os << (md ? "### " : "") << h << (md ? "\n\n" : "\n");
}

void print_sources(std::ostream& os, const std::set<std::string>& s, bool md) {
    os << (md ? "\n" : "") << "Times from (" << s.size() << " distinct predictions):\n";
    std::size_t n = 0;
    for (const auto& x : s) {
        if (++n > 12) {
            os << "  ... " << s.size() - 12 << " more in the JSON output\n";
            break;
        }
        os << (md ? "- " : "  ") << x << '\n';
    }
}

void print_model(std::ostream& os, const ModelConfig& m, const ParamCount& p, bool md) {
    os << (md ? "## " : "") << m.name << ": " << fmt_count(p.total()) << " parameters ("
       << fmt_count(p.non_embedding()) << " non-embedding";
    if (m.is_moe()) os << ", " << fmt_count(p.active) << " active per token";
    os << ")\n" << (md ? "\n" : "");
    os << "  " << m.layers << " layers, hidden " << m.hidden << ", " << m.heads << " heads ("
       << m.kv_heads << " KV) of " << m.head_dim << ", " << (m.gated_mlp ? "gated " : "")
       << activation_name(m.activation) << " MLP " << m.ffn;
    if (m.is_moe())
        os << " (dense layers) / " << m.expert_ffn() << " x " << m.experts << " experts (top-"
           << m.top_k << ")"
           << (m.shared_experts > 0 ? " + " + std::to_string(m.shared_experts) + " shared" : "")
           << (m.first_dense_layers > 0
                   ? ", first " + std::to_string(m.first_dense_layers) + " layers dense"
                   : "");
    if (m.mla) os << ", MLA (latent " << m.kv_lora_rank << ", q " << m.q_lora_rank << ")";
    if (m.mtp_depth > 0) os << ", MTP depth " << m.mtp_depth;
    os << ", vocab " << m.vocab << ", " << norm_name(m.norm)
       << (m.tied_embeddings ? ", tied embeddings" : "") << '\n';
    os << "  source: " << m.source << "\n\n";
}

std::string device_line(const Labelled<TrainingEstimate>& r) {
    const auto& f = r.estimate.facts;
    return r.profile + " (" + f.name + ", " + f.kind + ")";
}

}  // namespace

void print_training(std::ostream& os, const std::vector<Labelled<TrainingEstimate>>& runs, bool md,
                    bool show_ops) {
    const TrainingEstimate& e = runs.front().estimate;
    const TrainingSetup& s = e.setup;
    const Parallelism& par = s.par;
    print_model(os, e.model, e.params, md);
    os << "Workload: " << mode_name(s.mode) << " on " << fmt_sig(s.tokens, 4)
       << " tokens, sequence " << s.seq_len << ", global batch " << s.global_batch << " sequences ("
       << fmt_count(e.tokens_per_step) << " tokens/step), " << dtype_name(s.dtype) << ", recompute "
       << recompute_name(s.recompute) << ", attention " << attention_impl_name(s.attention)
       << (s.attention_kernel != AttentionKernel::unspecified && s.attention == AttentionImpl::fused
               ? " (" + std::string(attention_kernel_name(s.attention_kernel)) + ")"
               : std::string())
       << '\n';
    os << "Parallelism: " << par.devices() << " devices = DP " << par.dp << " x TP " << par.tp
       << " x PP " << par.pp << (par.virtual_stages > 1 ? " interleaved x" : "")
       << (par.virtual_stages > 1 ? std::to_string(par.virtual_stages) : "") << ", micro-batch "
       << par.micro_batch << " (" << fmt_sig(e.microbatches, 6) << " per step), ZeRO " << par.zero
       << (par.sequence_parallel ? ", sequence parallel" : "") << ", DP overlap "
       << fmt_sig(par.overlap, 3);
    if (par.ep > 1)
        os << ", EP " << par.ep << " (imbalance " << fmt_sig(par.moe_imbalance, 3) << ")";
    if (par.cp > 1) os << ", CP " << par.cp;
    if (par.tp_overlap > 0) os << ", TP overlap " << fmt_sig(par.tp_overlap, 3);
    if (par.schedule != Schedule::one_f_one_b) os << ", schedule " << schedule_name(par.schedule);
    if (s.fp8) os << ", FP8 GEMMs";
    os << "\n\n";

    heading(os, "FLOPs of the whole run", md);
    Table f({"count", "FLOPs", "vs 6ND"});
    f.add_row({"exact model FLOPs, causal attention (MFU)", fmt_sig(e.total_model_flops, 4),
               ratio(e.six_nd, e.total_model_flops)});
    f.add_row({"exact model FLOPs, non-causal attention", fmt_sig(e.total_model_flops_noncausal, 4),
               ratio(e.six_nd, e.total_model_flops_noncausal)});
    f.add_row({"executed FLOPs (recompute, replication; HFU)", fmt_sig(e.total_executed_flops, 4),
               ratio(e.six_nd, e.total_executed_flops)});
    f.add_row({std::string("6ND (N = ") +
                   fmt_count(e.model.is_moe() ? e.params.active : e.params.total()) +
                   (e.model.is_moe() ? " active)" : ")"),
               fmt_sig(e.six_nd, 4), "1.00x"});
    print_table(os, f, md);

    heading(os, runs.size() > 1 ? "Estimate, side by side" : "Estimate", md);
    std::vector<std::string> hdr = {"metric"};
    for (const auto& r : runs) hdr.push_back(device_line(r));
    if (runs.size() == 2) hdr.push_back("ratio");
    Table t(hdr);
    auto row = [&](const std::string& name, auto get, auto fmt) {
        std::vector<std::string> cells = {name};
        for (const auto& r : runs) cells.push_back(fmt(get(r.estimate)));
        if (runs.size() == 2) cells.push_back(ratio(get(runs[0].estimate), get(runs[1].estimate)));
        t.add_row(cells);
    };
    row(
        "step time", [](const TrainingEstimate& x) { return x.step_s; }, fmt_time);
    row(
        "tokens/s", [](const TrainingEstimate& x) { return x.tokens_per_s; }, fmt_count);
    row(
        "tokens/s per device", [](const TrainingEstimate& x) { return x.tokens_per_s_per_device; },
        fmt_count);
    row(
        "MFU (causal pairs)", [](const TrainingEstimate& x) { return x.mfu; }, fmt_pct);
    row(
        "MFU (every pair: PaLM/Megatron convention)",
        [](const TrainingEstimate& x) { return x.mfu_noncausal; }, fmt_pct);
    row(
        "HFU", [](const TrainingEstimate& x) { return x.hfu; }, fmt_pct);
    row(
        "wall time", [](const TrainingEstimate& x) { return x.wall_s; }, fmt_duration);
    row(
        "device-hours", [](const TrainingEstimate& x) { return x.money.device_hours; }, fmt_count);
    row(
        "cost", [](const TrainingEstimate& x) { return x.money.dollars; }, money);
    row(
        "energy (kWh)", [](const TrainingEstimate& x) { return x.money.energy_kwh; }, energy);
    row(
        "memory per device", [](const TrainingEstimate& x) { return x.memory.total(); }, fmt_bytes);
    print_table(os, t, md);
    for (const auto& r : runs) {
        const auto& x = r.estimate;
        os << r.profile << ": " << fmt_sig(std::ceil(x.steps), 6) << " steps; peak "
           << fmt_sig(x.peak_flops / 1e12, 4) << " TFLOP/s " << dtype_name(s.dtype)
           << " dense per device; "
           << (std::isnan(x.money.price_per_hour)
                   ? std::string("price ") + kUnknownPrice
                   : dollars(fmt_sig(x.money.price_per_hour, 4)) + "/device-hour")
           << "; energy = device-hours x "
           << (std::isnan(x.money.power_watts) ? std::string("power ") + kUnknownPower
                                               : fmt_sig(x.money.power_watts, 4) + " W")
           << " x " << fmt_sig(x.money.power_utilisation, 3) << " x PUE " << fmt_sig(x.money.pue, 3)
           << "\n  memory: " << describe_memory(x.memory) << '\n';
        if (x.scratch_device_hours > 0)
            os << "  from scratch on " << fmt_sig(s.base_tokens + s.tokens, 4)
               << " tokens instead: " << fmt_count(x.scratch_device_hours) << " device-hours, "
               << money(x.scratch_dollars) << '\n';
    }
    os << '\n';

    heading(os, "Step time by op kind (the slowest pipeline stage's device)", md);
    std::vector<std::string> bh = {"kind"};
    for (const auto& r : runs) bh.insert(bh.end(), {"time/step (" + r.profile + ")", "% step"});
    bh.insert(bh.end(), {"model FLOPs/step", "% FLOPs"});
    Table b(bh);
    // Rows of every estimate (one profile may hide all its data-parallel traffic, another not).
    std::vector<BreakdownRow> kinds;
    for (const auto& r : runs)
        for (const auto& x : r.estimate.breakdown)
            if (std::none_of(kinds.begin(), kinds.end(),
                             [&](const BreakdownRow& k) { return k.kind == x.kind; }))
                kinds.push_back(x);
    for (const auto& k : kinds) {
        std::vector<std::string> cells = {k.kind};
        for (const auto& r : runs) {
            double sec = 0;
            for (const auto& x : r.estimate.breakdown)
                if (x.kind == k.kind) sec = x.seconds;
            cells.push_back(fmt_time(sec));
            cells.push_back(fmt_pct(sec / r.estimate.step_s));
        }
        cells.push_back(k.model_flops > 0 ? fmt_sig(k.model_flops, 4) : "-");
        cells.push_back(k.model_flops > 0 ? fmt_pct(k.model_flops / e.step_flops.model_flops)
                                          : "-");
        b.add_row(cells);
    }
    print_table(os, b, md);
    for (const auto& n : e.notes) os << "NOTE: " << n << '\n';

    if (show_ops) {
        for (const auto& r : runs) {
            const StageEstimate& st = r.estimate.stages[std::size_t(r.estimate.slowest_stage)];
            os << '\n';
            heading(os, "Ops of one micro-batch on " + st.name + " (" + r.profile + ")", md);
            Table o({"op", "phase", "shape", "x", "time", "TFLOP/s", "source"});
            for (const auto& t2 : st.timed.ops) {
                const Op& op = t2.op;
                std::string shape;
                if (op.timing == Timing::gemm)
                    shape = std::string(layout_name(op.gemm.layout)) + " " +
                            std::to_string(op.gemm.m) + "x" + std::to_string(op.gemm.n) + "x" +
                            std::to_string(op.gemm.k) +
                            (op.gemm.batch > 1 ? " [" + std::to_string(op.gemm.batch) + "]" : "");
                else if (op.timing == Timing::attention)
                    shape = std::string("B") + std::to_string(op.attn.batch) + " H" +
                            std::to_string(op.attn.heads) + "/" + std::to_string(op.attn.kv_heads) +
                            " S" + std::to_string(op.attn.seq_q) + "x" +
                            std::to_string(op.attn.seq_k) + " D" + std::to_string(op.attn.head_dim);
                else
                    shape = fmt_bytes(op.mem.bytes);
                const double rate =
                    t2.pred.seconds > 0 ? op.executed_flops / t2.pred.seconds / 1e12 : 0;
                o.add_row({op.name, phase_name(op.phase), shape, fmt_sig(op.repeat, 4),
                           fmt_time(t2.pred.seconds),
                           op.executed_flops > 0 ? fmt_sig(rate, 4) : "-", t2.pred.source});
            }
            print_table(os, o, md);
        }
    }
    for (const auto& r : runs) {
        os << (md ? "\n" : "") << "[" << r.profile << "] ";
        print_sources(os, r.estimate.sources, md);
    }
}

void print_inference(std::ostream& os, const std::vector<Labelled<InferenceEstimate>>& runs,
                     bool md) {
    const InferenceEstimate& e = runs.front().estimate;
    const InferenceSetup& s = e.setup;
    print_model(os, e.model, e.params, md);
    os << "Workload: inference, batch " << s.batch << ", prompt " << s.prompt_tokens
       << " tokens, output " << s.output_tokens << " tokens, weights "
       << weight_precision_name(s.weights)
       << (s.kv == KvPrecision::compute ? ", activations/KV " : ", activations ")
       << dtype_name(s.compute)
       << (s.kv == KvPrecision::compute ? "" : ", KV cache " + kv_precision_name(s.kv))
       << ", tensor parallel " << s.tp;
    if (s.op_overhead_s > 0 || s.kv_append != KvAppend::in_place ||
        s.attention != AttentionImpl::fused)
        os << ", runtime: " << fmt_time(s.op_overhead_s) << " per op, KV cache appended "
           << kv_append_name(s.kv_append) << ", attention " << attention_impl_name(s.attention);
    os << "\n\n";
    std::vector<std::string> hdr = {"metric"};
    for (const auto& r : runs)
        hdr.push_back(r.profile + " (" + r.estimate.facts.name + ", " + r.estimate.facts.kind +
                      ")");
    if (runs.size() == 2) hdr.push_back("ratio");
    Table t(hdr);
    auto row = [&](const std::string& name, auto get, auto fmt) {
        std::vector<std::string> cells = {name};
        for (const auto& r : runs) cells.push_back(fmt(get(r.estimate)));
        if (runs.size() == 2) cells.push_back(ratio(get(runs[0].estimate), get(runs[1].estimate)));
        t.add_row(cells);
    };
    using IE = InferenceEstimate;
    row(
        "prefill tokens/s", [](const IE& x) { return x.prefill_tokens_per_s; }, fmt_count);
    row(
        "time to first token", [](const IE& x) { return x.time_to_first_token_s; }, fmt_time);
    row(
        "prefill MFU", [](const IE& x) { return x.prefill_mfu; }, fmt_pct);
    row(
        "decode step", [](const IE& x) { return x.decode_step_s; }, fmt_time);
    row(
        "  compute part", [](const IE& x) { return x.decode_compute_s; }, fmt_time);
    row(
        "  memory part (weights + KV)", [](const IE& x) { return x.decode_memory_s; }, fmt_time);
    if (s.kv_append == KvAppend::concat)
        row(
            "  + KV cache concatenation", [](const IE& x) { return x.decode_kv_concat_s; },
            fmt_time);
    if (s.op_overhead_s > 0) {
        row(
            "  + runtime overhead", [](const IE& x) { return x.decode_overhead_s; }, fmt_time);
        row(
            "    ops launched per step", [](const IE& x) { return x.decode_ops; },
            [](double v) { return fmt_sig(v, 6); });
        row(
            "    ops per layer", [](const IE& x) { return x.decode_ops_per_layer; },
            [](double v) { return fmt_sig(v, 4); });
    }
    row(
        "decode tokens/s (batch)", [](const IE& x) { return x.decode_tokens_per_s; }, fmt_count);
    row(
        "decode tokens/s per sequence", [](const IE& x) { return x.per_sequence_tokens_per_s; },
        [](double v) { return fmt_sig(v, 4); });
    row(
        "$ per 1M output tokens", [](const IE& x) { return x.dollars_per_million_output; },
        [](double v) {
            return std::isnan(v) ? std::string(kUnknownPrice) : dollars(fmt_sig(v, 4));
        });
    row(
        "$ per 1M prompt tokens", [](const IE& x) { return x.dollars_per_million_prompt; },
        [](double v) {
            return std::isnan(v) ? std::string(kUnknownPrice) : dollars(fmt_sig(v, 4));
        });
    row(
        "kWh per 1M output tokens", [](const IE& x) { return x.energy_kwh_per_million_output; },
        [](double v) { return std::isnan(v) ? std::string(kUnknownPower) : fmt_sig(v, 4); });
    row(
        "memory per device", [](const IE& x) { return x.memory.total(); }, fmt_bytes);
    print_table(os, t, md);
    for (const auto& r : runs) {
        os << r.profile << ": memory " << describe_memory(r.estimate.memory) << '\n';
        for (const auto& n : r.estimate.notes) os << "NOTE [" << r.profile << "]: " << n << '\n';
    }
    for (const auto& r : runs) {
        os << (md ? "\n" : "") << "[" << r.profile << "] ";
        print_sources(os, r.estimate.sources, md);
    }
}

void print_whatif(std::ostream& os, const WhatIfInputs& in, const std::vector<WhatIfRow>& rows,
                  bool md) {
    os << '\n';
    heading(os, "What if: the same training after N years", md);
    os << "hardware price-performance x" << fmt_sig(in.hardware_per_year, 3)
       << "/year (default 1.32: Hobbhahn & Besiroglu 2022, FLOP/s per $ doubling every ~2.5 "
          "years), algorithmic efficiency x"
       << fmt_sig(in.algorithm_per_year, 3)
       << "/year (default 2.83: Ho et al. 2024, compute for equal performance halving every ~8 "
          "months)\n";
    Table t({"year", "hardware", "algorithms", "FLOPs needed", "device-hours (today's device)",
             "cost", "energy kWh (today's device)"});
    for (const auto& r : rows)
        t.add_row({std::to_string(r.year), fmt_sig(r.hardware_factor, 3) + "x",
                   fmt_sig(r.algorithm_factor, 3) + "x", fmt_sig(r.flops, 3),
                   fmt_count(r.device_hours), money(r.dollars), energy(r.energy_kwh)});
    print_table(os, t, md);
}

}  // namespace flopmeter::cost
