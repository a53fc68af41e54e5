#include "costmodel/published_runs.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ostream>

#include "core/error.hpp"
#include "core/text_table.hpp"
#include "costmodel/estimate_report.hpp"
#include "costmodel/param_count.hpp"
#include "costmodel/presets.hpp"
#include "costmodel/training_estimate.hpp"
#include "measure/stats.hpp"

namespace flopmeter::cost {

using nlohmann::json;

namespace {

constexpr double flops_tolerance = 0.03;  // issue #6: total FLOPs within 3%

json parse(const std::string& text, const char* what) {
    try {
        return json::parse(text);
    } catch (const json::exception& e) {  // parse_error; out_of_range for 1e999
        throw UsageError(std::string(what) + ": not valid JSON (" + e.what() + ")");
    }
}

double number(const json& j, const std::string& key, const std::string& row) {
    if (!j.contains(key) || !j[key].is_number())
        throw UsageError("published run '" + row + "': missing or non-numeric field '" + key + "'");
    return j[key].get<double>();
}

bool has_kind(const json& run, const char* k) {
    for (const auto& x : run.at("kind"))
        if (x == k) return true;
    return false;
}

// A model given in the setup data instead of a preset: GPT-style blocks (LayerNorm with
// biases, 4h GELU MLP, learned positions, tied embeddings), as the MPT benchmark models are.
ModelConfig inline_model(const json& j, const std::string& row) {
    if (j.value("style", "") != "gpt")
        throw UsageError("published run '" + row + "': model style must be 'gpt'");
    ModelConfig m;
    m.name = j.value("name", row);
    m.source = j.value("source", "");
    m.layers = j.at("layers").get<std::int64_t>();
    m.hidden = j.at("hidden").get<std::int64_t>();
    m.heads = m.kv_heads = j.at("heads").get<std::int64_t>();
    m.head_dim = m.hidden / m.heads;
    m.ffn = 4 * m.hidden;
    m.vocab = j.at("vocab").get<std::int64_t>();
    m.max_positions = m.default_seq_len = j.at("positions").get<std::int64_t>();
    m.tied_embeddings = m.learned_positions = true;
    m.qkv_bias = m.out_bias = m.mlp_bias = true;
    m.attention_dropout = j.value("attention_dropout", false);
    validate_model(m);
    return m;
}

// Narayanan et al. 2021 (Megatron-LM, SC21), section 5.1, eq. (3): F = 96 B s l h^2 (1 + s/(6h) +
// V/(16 l h)) per iteration of B sequences: the GEMMs of a GPT model forward, backward and the
// forward again under activation recomputation, every (query, key) pair; the TFLOP/s of its
// Tables 1-2 (and of Megatron-LM's logs) divide this count.
double megatron_eq3_flops_per_token(const ModelConfig& m, std::int64_t seq) {
    const double l = double(m.layers), h = double(m.hidden), s = double(seq), v = double(m.vocab);
    return 96.0 * l * h * h * (1.0 + s / (6.0 * h) + v / (16.0 * l * h));
}

// The layout as published, each knob from the row's setup or the file's fixed default.
struct LayoutReader {
    const json& layout;
    const json& defaults;
    std::string shown;
    const json& get(const char* key) {
        const bool published = layout.contains(key);
        const json& v = published ? layout.at(key).at("value") : defaults.at(key);
        shown += (shown.empty() ? "" : ", ") + std::string(key) + " " +
                 (v.is_string() ? v.get<std::string>() : v.dump()) + (published ? "" : "*");
        return v;
    }
};

TrainingSetup layout_setup(const json& su, const json& defaults, std::int64_t seq, double tokens,
                           std::string& shown) {
    static const json empty = json::object();
    LayoutReader r{su.contains("layout") ? su["layout"] : empty, defaults, ""};
    TrainingSetup s;
    s.tokens = tokens;
    s.seq_len = seq;
    Parallelism& p = s.par;
    p.tp = r.get("tp").get<int>();
    p.pp = r.get("pp").get<int>();
    p.cp = r.get("cp").get<int>();
    p.dp = r.get("dp").get<int>();
    p.ep = r.get("ep").get<int>();
    s.global_batch = r.get("global_batch").get<std::int64_t>();
    p.micro_batch = r.get("micro_batch").get<std::int64_t>();
    p.zero = r.get("zero").get<int>();
    const std::string rc = r.get("recompute").get<std::string>();
    s.recompute = rc == "full"        ? Recompute::full
                  : rc == "selective" ? Recompute::selective
                                      : Recompute::none;
    const json& sp = r.get("sequence_parallel");
    p.sequence_parallel = sp.is_boolean() ? sp.get<bool>() : p.tp > 1;  // default "when tp > 1"
    p.overlap = r.get("overlap").get<double>();
    p.tp_overlap = r.get("tp_overlap").get<double>();
    p.virtual_stages = r.get("virtual_stages").get<int>();
    const std::string sch = r.get("schedule").get<std::string>();
    p.schedule = sch == "dualpipe"      ? Schedule::dualpipe
                 : sch == "zero-bubble" ? Schedule::zero_bubble
                                        : Schedule::one_f_one_b;
    s.fp8 = r.get("fp8").get<bool>();
    p.uneven_pipeline = r.get("uneven_pipeline").get<bool>();
    p.moe_imbalance = r.get("moe_imbalance").get<double>();
    // Optional knob (setup files written before it existed lack it): the profile's default kernel.
    if (r.layout.contains("attention_kernel") || r.defaults.contains("attention_kernel"))
        s.attention_kernel = parse_attention_kernel(r.get("attention_kernel").get<std::string>());
    // Optional knob: fused (FlashAttention-style) or explicit (S x S scores and softmax).
    if (r.layout.contains("attention") || r.defaults.contains("attention")) {
        const std::string a = r.get("attention").get<std::string>();
        if (a != "fused" && a != "explicit")
            throw UsageError("attention must be 'fused' or 'explicit' (got '" + a + "')");
        s.attention = a == "explicit" ? AttentionImpl::explicit_matmul : AttentionImpl::fused;
    }
    shown = r.shown;
    return s;
}

}  // namespace

ValidationReport validate_published_runs(const std::string& runs_json,
                                         const std::string& setup_json, const ProfileLoader& load) {
    const json runs = parse(runs_json, "published runs");
    const json setup = parse(setup_json, "published runs setup");
    const json& defaults = setup.at("defaults");
    ValidationReport rep;
    std::vector<double> errors;
    for (const auto& run : runs.at("runs")) {
        RunCheck c;
        c.model = run.at("model").get<std::string>();
        c.source = run.value("source", "");
        for (const auto& k : run.at("kind"))
            c.kinds += (c.kinds.empty() ? "" : ", ") + k.get<std::string>();
        if (!setup.at("runs").contains(c.model))
            throw UsageError("published run '" + c.model + "' has no entry in the setup data");
        const json& su = setup["runs"][c.model];
        ModelConfig m;
        if (su.contains("model")) {
            m = inline_model(su["model"], c.model);
        } else {
            const std::string preset = su.at("preset").get<std::string>();
            const Preset* p = find_preset(preset);
            if (!p)
                throw UsageError("published run '" + c.model + "': unknown preset '" + preset +
                                 "'");
            m = p->model;
        }
        c.model_name = m.name;
        c.params = count_params(m).total();
        c.published_params = run.value("params", 0.0);
        if (c.published_params >= 1e6 && std::fmod(c.published_params, 1e6) != 0 &&
            c.params != c.published_params)
            c.notes.push_back("flopmeter counts " + fmt_count(c.params) +
                              " parameters, the source " + fmt_count(c.published_params));
        c.tokens = run.value("tokens", 0.0);
        const std::int64_t seq = su.at("seq_len").get<std::int64_t>();
        TrainingSetup one;
        one.tokens = 1;
        one.seq_len = seq;
        one.global_batch = 1;
        const StepFlops sf = training_model_flops(m, one);
        c.flops_per_token = sf.total.model_flops / double(seq);
        const double fpt_noncausal = sf.total.model_flops_noncausal / double(seq);

        if (has_kind(run, "flops")) {
            c.has_flops = true;
            c.tokens = number(run, "tokens", c.model);
            c.published_flops = number(run, "total_flops", c.model);
            c.six_nd = 6.0 * (m.is_moe() ? count_params(m).active : c.params) * c.tokens;
            c.exact = c.flops_per_token * c.tokens;
            c.exact_noncausal = fpt_noncausal * c.tokens;
            // The published totals are 6ND-style budgets: compared with flopmeter's 6ND from its
            // own parameter count; the exact per-op sum is shown beside it.
            c.flops_pass = std::fabs(c.six_nd / c.published_flops - 1.0) <= flops_tolerance;
            (c.flops_pass ? rep.flops_passed : rep.flops_failed)++;
        }

        const json* hw = nullptr;
        if (run.contains("hardware") &&
            setup.at("hardware").contains(run["hardware"].get<std::string>()))
            hw = &setup["hardware"][run["hardware"].get<std::string>()];
        if (hw) c.peak = hw->at("peak_flops").get<double>();

        if (has_kind(run, "throughput")) {
            c.has_throughput = true;
            if (!hw)
                throw UsageError("published run '" + c.model +
                                 "': no entry for its hardware in the setup data");
            // The FLOP convention of a TFLOP/s or MFU figure: as the source states, else the
            // default.
            std::string conv = run.value("flop_convention", "not published");
            const bool stated = conv != "not published";
            const std::string def = defaults.at("flop_convention").get<std::string>();
            const bool noncausal =
                stated ? conv.find("non-causal") != std::string::npos : def == "non-causal";
            c.convention = stated ? conv : "not published: " + def + "*";
            double fpt = noncausal ? fpt_noncausal : c.flops_per_token;
            // A figure computed with its source's own closed-form FLOP count is converted back
            // with that formula, not with flopmeter's per-op count.
            const std::string formula = run.value("flop_formula", "");
            if (formula == "megatron-eq3")
                fpt = megatron_eq3_flops_per_token(m, seq);
            else if (!formula.empty())
                throw UsageError("published run '" + c.model + "': unknown flop_formula '" +
                                 formula + "' (megatron-eq3)");
            if (run.contains("iteration_s")) {
                // A published step time: the sequences of one iteration over its seconds and
                // devices.
                c.published_tps =
                    number(run, "sequences_per_iteration", c.model) * double(seq) /
                    (number(run, "iteration_s", c.model) * number(run, "devices", c.model));
                c.measure = "seconds per iteration";
                c.convention.clear();
            } else if (run.contains("tokens_per_sec_per_gpu")) {
                c.published_tps = number(run, "tokens_per_sec_per_gpu", c.model);
                c.measure = "tokens/s per GPU";
                c.convention.clear();
            } else if (run.contains("tflops_per_gpu")) {
                c.published_tps = number(run, "tflops_per_gpu", c.model) * 1e12 / fpt;
                c.measure = "TFLOP/s per GPU";
            } else if (run.contains("mfu")) {
                c.published_tps = number(run, "mfu", c.model) * c.peak / fpt;
                c.measure = "MFU";
            } else {
                c.published_tps =
                    number(run, "tokens", c.model) / (number(run, "gpu_hours", c.model) * 3600.0);
                c.measure = "GPU-hours for the tokens";
                c.convention.clear();
            }
            if (hw->at("profile").is_null()) {
                c.notes.push_back("no datasheet profile of " + run.value("hardware", "?") +
                                  " in flopmeter: not estimated");
                rep.skipped++;
            } else {
                c.profile = hw->at("profile").get<std::string>();
                auto pred = load(c.profile);
                const TrainingSetup s =
                    layout_setup(su, defaults, seq, c.tokens > 0 ? c.tokens : 1e12, c.layout);
                try {
                    const TrainingEstimate e = estimate_training(m, s, *pred, {});
                    c.est_tps = e.tokens_per_s_per_device;
                    c.est_mfu = e.mfu;
                    c.error = c.est_tps / c.published_tps - 1.0;
                    c.estimated = true;
                    rep.estimated++;
                    errors.push_back(std::fabs(c.error));
                } catch (const UsageError& e) {
                    c.refused = true;
                    c.refusal = e.what();
                    rep.refused++;
                }
            }
        }

        if (has_kind(run, "card_gpu_hours")) {
            c.has_card = true;
            c.tokens = number(run, "tokens", c.model);
            c.card_hours = number(run, "gpu_hours", c.model);
            if (c.peak > 0)
                c.card_util = c.flops_per_token * c.tokens / (c.card_hours * 3600 * c.peak);
        }
        rep.rows.push_back(std::move(c));
    }
    rep.median_abs_error = median(errors);
    return rep;
}

void print_validation(std::ostream& os, const ValidationReport& r, bool md) {
    auto print = [&](const Table& t) {
        md ? t.print_markdown(os) : t.print(os);
        os << '\n';
    };

    os << (md ? "### " : "") << "Total training compute ('flops' rows: within 3%)\n"
       << (md ? "\n" : "");
    Table f({"run", "params (flopmeter)", "tokens", "published", "6ND", "vs published",
             "exact per-op (causal)", "vs published", "exact (non-causal)", "result"});
    for (const auto& c : r.rows)
        if (c.has_flops)
            f.add_row({c.model, fmt_count(c.params), fmt_sig(c.tokens, 3),
                       fmt_sig(c.published_flops, 3), fmt_sig(c.six_nd, 4),
                       fmt_signed_pct(c.six_nd / c.published_flops - 1), fmt_sig(c.exact, 4),
                       fmt_signed_pct(c.exact / c.published_flops - 1),
                       fmt_sig(c.exact_noncausal, 4), c.flops_pass ? "PASS" : "FAIL"});
    print(f);
    os << "The published totals are parameters x tokens x 6 budgets; flopmeter's 6ND uses its own "
          "parameter count.\n"
          "The exact per-op sum adds attention (exact causal pairs, backward 2.5 x forward) and "
          "the logits.\n\n";

    os << (md ? "### " : "")
       << "Steady training throughput ('throughput' rows: estimate on the datasheet profile with "
          "the "
       << "layout as published)\n"
       << (md ? "\n" : "");
    Table s({"run", "published as", "FLOP convention", "published tokens/s/device", "profile",
             "estimate tokens/s/device", "estimate MFU", "error",
             "layout (* = not published: fixed default)"});
    for (const auto& c : r.rows) {
        if (!c.has_throughput) continue;
        const std::string est = c.estimated ? fmt_sig(c.est_tps, 4) : c.refused ? "refused" : "-";
        s.add_row({c.model, c.measure, c.convention.empty() ? "-" : c.convention,
                   fmt_sig(c.published_tps, 4), c.profile.empty() ? "-" : c.profile, est,
                   c.estimated ? fmt_pct(c.est_mfu) : "-",
                   c.estimated ? fmt_signed_pct(c.error) : "-", c.layout.empty() ? "-" : c.layout});
    }
    print(s);
    os << "Median |error| over " << r.estimated
       << " estimated rows: " << fmt_pct(r.median_abs_error) << " (" << r.refused
       << " refused as not fitting, " << r.skipped
       << " without a profile of their hardware; no row left out)\n\n";

    os << (md ? "### " : "") << "Model-card GPU-hours ('card_gpu_hours' rows)\n"
       << (md ? "\n" : "");
    Table g({"run", "GPU-hours (card)", "tokens", "FLOPs/token",
             "implied utilisation of the dense peak"});
    for (const auto& c : r.rows)
        if (c.has_card)
            g.add_row({c.model, fmt_count(c.card_hours), fmt_sig(c.tokens, 3),
                       fmt_sig(c.flops_per_token, 4),
                       c.card_util > 0 ? fmt_pct(c.card_util) : "-"});
    print(g);
    os << "Card GPU-hours include more than steady training steps (long-context stages, restarts, "
          "evaluation,\n"
          "annealing), so the utilisation they imply is a lower bound on the step MFU, not a "
          "measurement of it.\n";
    for (const auto& c : r.rows) {
        if (c.refused) os << "REFUSED [" << c.model << "]: " << c.refusal << '\n';
        for (const auto& n : c.notes) os << "NOTE [" << c.model << "]: " << n << '\n';
    }
    os << '\n'
       << r.flops_passed << " compute totals within 3%, " << r.flops_failed
       << " outside; throughput: " << r.estimated << " estimated, median |error| "
       << fmt_pct(r.median_abs_error) << ", " << r.refused << " refused, " << r.skipped
       << " skipped\n";
}

}  // namespace flopmeter::cost
