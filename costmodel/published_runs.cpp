#include "costmodel/published_runs.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ostream>

#include "cli/table.hpp"
#include "core/error.hpp"
#include "costmodel/estimate_report.hpp"
#include "costmodel/param_count.hpp"
#include "costmodel/presets.hpp"
#include "costmodel/training_estimate.hpp"

namespace flopmeter::cost {

using nlohmann::json;

namespace {

constexpr double flops_tolerance = 0.03;  // issue #6: total FLOPs within 3%
constexpr double step_tolerance = 0.10;   // issue #6: implied throughput within 10%

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

// Tokens/s per device at utilisation u of the peak, spending `fpt` FLOPs per token.
double tps(double u, double peak, double fpt) { return u * peak / fpt; }

// Relative distance of x from the interval [lo, hi] (0 inside).
double deviation(double x, double lo, double hi) {
    if (x < lo) return (lo - x) / lo;
    if (x > hi) return (x - hi) / hi;
    return 0;
}

TrainingSetup layout_setup(const json& l, std::int64_t seq, double tokens) {
    TrainingSetup s;
    s.tokens = tokens;
    s.seq_len = seq;
    s.global_batch = l.at("global_batch").get<std::int64_t>();
    s.par.tp = l.at("tp").get<int>();
    s.par.pp = l.at("pp").get<int>();
    s.par.dp = l.at("dp").get<int>();
    s.par.micro_batch = l.at("micro_batch").get<std::int64_t>();
    s.par.zero = l.at("zero").get<int>();
    s.par.sequence_parallel = l.at("sequence_parallel").get<bool>();
    s.par.overlap = l.at("overlap").get<double>();
    s.par.uneven_pipeline = l.value("uneven_pipeline", false);
    s.par.virtual_stages = l.value("virtual_stages", 1);
    const std::string rc = l.at("recompute").get<std::string>();
    s.recompute = rc == "full" ? Recompute::full : rc == "selective" ? Recompute::selective : Recompute::none;
    return s;
}

}  // namespace

ValidationReport validate_published_runs(const std::string& runs_json, const std::string& setup_json,
                                         const ProfileLoader& load) {
    const json runs = parse(runs_json, "published runs");
    const json setup = parse(setup_json, "published runs setup");
    ValidationReport rep;
    for (const auto& run : runs.at("runs")) {
        RunCheck c;
        c.model = run.at("model").get<std::string>();
        c.source = run.value("source", "");
        for (const auto& k : run.at("kind")) c.kinds += (c.kinds.empty() ? "" : ", ") + k.get<std::string>();
        if (!setup.at("runs").contains(c.model)) throw UsageError("published run '" + c.model + "' has no entry in the setup data");
        const json& su = setup["runs"][c.model];
        c.preset = su.at("preset").get<std::string>();
        const Preset* p = find_preset(c.preset);
        if (!p) throw UsageError("published run '" + c.model + "': unknown preset '" + c.preset + "'");
        const ModelConfig& m = p->model;
        c.params = count_params(m).total();
        c.tokens = number(run, "tokens", c.model);
        const std::int64_t seq = su.at("seq_len").get<std::int64_t>();
        TrainingSetup ts;
        ts.tokens = c.tokens;
        ts.seq_len = seq;
        ts.global_batch = 1;
        const StepFlops sf = training_model_flops(m, ts);
        c.flops_per_token = sf.total.model_flops / double(seq);
        const double fpt_noncausal = sf.total.model_flops_noncausal / double(seq);

        if (has_kind(run, "flops")) {
            c.has_flops = true;
            c.published_flops = number(run, "total_flops", c.model);
            c.six_nd = 6.0 * (m.is_moe() ? count_params(m).active : c.params) * c.tokens;
            c.exact = c.flops_per_token * c.tokens;
            c.exact_noncausal = fpt_noncausal * c.tokens;
            // The published totals are 6ND-style budgets (parameters x tokens x 6): compared
            // with flopmeter's 6ND from its own parameter count. The exact per-op sum is shown
            // beside it: it adds attention (backward 2.5 x forward) and the logits.
            c.flops_pass = std::fabs(c.six_nd / c.published_flops - 1.0) <= flops_tolerance;
            (c.flops_pass ? rep.passed : rep.failed)++;
        }

        const json* hw = nullptr;
        if (run.contains("hardware") && setup.at("hardware").contains(run["hardware"].get<std::string>()))
            hw = &setup["hardware"][run["hardware"].get<std::string>()];
        if (hw) c.peak = hw->at("peak_flops").get<double>();

        if (has_kind(run, "step_mfu")) {
            c.has_step = true;
            if (!hw) throw UsageError("published run '" + c.model + "': no peak for its hardware in the setup data");
            if (run.contains("reported_mfu")) {
                c.util_lo = c.util_hi = number(run, "reported_mfu", c.model);
                c.util_from = "reported MFU";
            } else if (run.contains("reported_mfu_bf16")) {
                c.util_lo = run["reported_mfu_bf16"].at(0).get<double>();
                c.util_hi = run["reported_mfu_bf16"].at(1).get<double>();
                c.util_from = "reported bf16 MFU range";
            } else {
                c.util_lo = c.util_hi = number(run, "reported_tflops_per_gpu", c.model) * 1e12 / c.peak;
                c.util_from = "reported TFLOP/s per GPU / peak";
                c.notes.push_back("the reported TFLOP/s may count recomputation (an HFU-style figure); taken as model FLOPs");
            }
            if (run.contains("reported_hfu"))
                c.notes.push_back("reported HFU " + fmt_sig(number(run, "reported_hfu", c.model), 3) + ": HFU/MFU = " +
                                  fmt_sig(number(run, "reported_hfu", c.model) / c.util_lo, 3) +
                                  " (recomputation)");
            c.implied_tps_lo = tps(c.util_lo, c.peak, c.flops_per_token);
            c.implied_tps_hi = tps(c.util_hi, c.peak, c.flops_per_token);
            c.implied_hours_lo = c.tokens / c.implied_tps_hi / 3600;
            c.implied_hours_hi = c.tokens / c.implied_tps_lo / 3600;
            if (!hw->at("profile").is_null() && su.contains("layout")) {
                c.profile = hw->at("profile").get<std::string>();
                auto pred = load(c.profile);
                const TrainingSetup s = layout_setup(su["layout"], seq, c.tokens);
                const TrainingEstimate e = estimate_training(m, s, *pred, {});
                c.est_tps = e.tokens_per_s_per_device;
                c.est_hours = e.money.device_hours;
                c.est_mfu = e.step_flops.model_flops / (e.step_s * double(s.par.devices()) * c.peak);
                c.est_deviation = deviation(c.est_tps, c.implied_tps_lo, c.implied_tps_hi);
                c.step_checked = true;
                c.step_pass = c.est_deviation <= step_tolerance;
                (c.step_pass ? rep.passed : rep.failed)++;
                for (const auto& n : e.notes) c.notes.push_back(n);
            } else {
                c.notes.push_back(std::string("no datasheet profile of ") + run.value("hardware", "?") +
                                  " in flopmeter: only the implied figures are shown");
                rep.skipped++;
            }
        }

        if (has_kind(run, "card_gpu_hours")) {
            c.has_card = true;
            c.card_hours = number(run, "gpu_hours", c.model);
            if (c.peak > 0) c.card_util = c.flops_per_token * c.tokens / (c.card_hours * 3600 * c.peak);
        }
        rep.rows.push_back(std::move(c));
    }
    return rep;
}

void print_validation(std::ostream& os, const ValidationReport& r, bool md) {
    auto pct = [](double x) { return fmt_fixed(100.0 * x, 1) + "%"; };
    auto signed_pct = [](double x) {
        std::string s = x >= 0 ? "+" : "";
        s += fmt_fixed(100.0 * x, 1);
        return s + "%";
    };
    auto print = [&](const Table& t) {
        md ? t.print_markdown(os) : t.print(os);
        os << '\n';
    };

    os << (md ? "### " : "") << "Total training compute ('flops' rows: within 3%)\n" << (md ? "\n" : "");
    Table f({"run", "params (flopmeter)", "tokens", "published", "6ND", "vs published", "exact per-op (causal)", "vs published",
             "exact (non-causal)", "result"});
    for (const auto& c : r.rows)
        if (c.has_flops)
            f.add_row({c.model, fmt_count(c.params), fmt_sig(c.tokens, 3), fmt_sig(c.published_flops, 3), fmt_sig(c.six_nd, 4),
                       signed_pct(c.six_nd / c.published_flops - 1), fmt_sig(c.exact, 4),
                       signed_pct(c.exact / c.published_flops - 1), fmt_sig(c.exact_noncausal, 4),
                       c.flops_pass ? "PASS" : "FAIL"});
    print(f);
    os << "The published totals are parameters x tokens x 6 budgets; flopmeter's 6ND uses its own parameter count.\n"
          "The exact per-op sum adds attention (exact causal pairs, backward 2.5 x forward) and the logits.\n\n";

    os << (md ? "### " : "") << "Steady-step utilisation ('step_mfu' rows: estimate within 10% of the implied throughput)\n"
       << (md ? "\n" : "");
    Table s({"run", "utilisation", "from", "FLOPs/token", "implied tokens/s/device", "implied device-hours", "profile",
             "estimate tokens/s/device", "estimate MFU", "estimate device-hours", "deviation", "result"});
    for (const auto& c : r.rows) {
        if (!c.has_step) continue;
        auto range = [](double lo, double hi, auto fmt) { return lo == hi ? fmt(lo) : fmt(lo) + "-" + fmt(hi); };
        s.add_row({c.model, range(c.util_lo, c.util_hi, pct), c.util_from, fmt_sig(c.flops_per_token, 4),
                   range(c.implied_tps_lo, c.implied_tps_hi, [](double x) { return fmt_sig(x, 4); }),
                   range(c.implied_hours_lo, c.implied_hours_hi, fmt_count), c.profile.empty() ? "-" : c.profile,
                   c.step_checked ? fmt_sig(c.est_tps, 4) : "-", c.step_checked ? pct(c.est_mfu) : "-",
                   c.step_checked ? fmt_count(c.est_hours) : "-", c.step_checked ? pct(c.est_deviation) : "-",
                   c.step_checked ? (c.step_pass ? "PASS" : "FAIL") : "skipped"});
    }
    print(s);

    os << (md ? "### " : "") << "Model-card GPU-hours ('card_gpu_hours' rows)\n" << (md ? "\n" : "");
    Table g({"run", "GPU-hours (card)", "tokens", "FLOPs/token", "implied utilisation of the dense peak"});
    for (const auto& c : r.rows)
        if (c.has_card)
            g.add_row({c.model, fmt_count(c.card_hours), fmt_sig(c.tokens, 3), fmt_sig(c.flops_per_token, 4),
                       c.card_util > 0 ? pct(c.card_util) : "-"});
    print(g);
    os << "Card GPU-hours include more than steady training steps (long-context stages, restarts, evaluation,\n"
          "annealing), so the utilisation they imply is a lower bound on the step MFU, not a measurement of it.\n";
    for (const auto& c : r.rows)
        for (const auto& n : c.notes) os << "NOTE [" << c.model << "]: " << n << '\n';
    os << '\n' << r.passed << " passed, " << r.failed << " failed, " << r.skipped << " skipped\n";
}

}  // namespace flopmeter::cost
