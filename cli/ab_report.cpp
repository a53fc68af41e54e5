#include "cli/ab_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/text_table.hpp"

namespace flopmeter {

using ojson = nlohmann::ordered_json;

namespace {

std::string ci(const AbCase& c) {
    return c.rounds ? fmt_change(c.ratio_lo) + " .. " + fmt_change(c.ratio_hi) : "-";
}

std::string qval(double q) {
    char b[32];
    std::snprintf(b, sizeof b, q < 1e-3 ? "%.0e" : "%.3f", q);
    return b;
}

std::vector<const AbCase*> ordered(const AbAnalysis& a) {
    std::vector<const AbCase*> v;
    for (const auto& x : a.cases) v.push_back(&x);
    std::stable_sort(v.begin(), v.end(), [](const AbCase* x, const AbCase* y) {
        if (x->verdict != y->verdict) return int(x->verdict) < int(y->verdict);
        return std::abs(x->ratio - 1) > std::abs(y->ratio - 1);
    });
    return v;
}

int disturbed_total(const AbSession& s) {
    int n = 0;
    for (int d : s.disturbed) n += d;
    return n;
}

std::string rule(const AbSession& s, const AbAnalysis& a, const AbRunInfo& info) {
    const auto& o = a.options;
    const std::string cut = s.rounds_run < info.rounds
                                ? " (of " + std::to_string(info.rounds) + " asked: the " +
                                      fmt_sig(info.time_limit_s, 3) + " s time limit)"
                                : "";
    const std::string warmup =
        s.warmup_s >= 0 ? ", after " + fmt_sig(1e3 * s.warmup_s, 3) + " ms of warm-up" : "";
    const std::string unit =
        s.epochs > 0
            ? "log ratio candidate/baseline of each of " + std::to_string(s.epochs) +
                  " epochs (the median of its rounds; both sides started afresh every epoch, " +
                  fmt_sig(s.restart_s, 3) + " s in all)"
            : std::string("per-round log ratio candidate/baseline");
    char b[1000];
    std::snprintf(b, sizeof b,
                  "%d rounds%s (+%d extra for %d disturbed visits), sides %s in randomized order "
                  "(seed %llu), a visit's time the "
                  "%.3g%% quantile of its unflagged samples (%s)%s; "
                  "per case a Wilcoxon signed-rank test on the "
                  "%s, Hodges-Lehmann %.3g%% CI, "
                  "Benjamini-Hochberg FDR %.3g%% "
                  "across %zu cases, minimum effect %.3g%%",
                  s.rounds_run, cut.c_str(), s.extra_rounds, disturbed_total(s),
                  info.duet  ? "at once on two cores (duet)"
                  : s.served ? "kept running, one case each, back to back"
                             : "back to back",
                  static_cast<unsigned long long>(info.seed), 100 * info.quantile,
                  s.drop_disturbed ? "a visit with fewer than 3 is left out"
                                   : "all of them when fewer than 3",
                  warmup.c_str(), unit.c_str(), 100 * o.ci_level, 100 * o.fdr, a.cases.size(),
                  100 * o.min_effect);
    return b;
}

std::string side_line(const AbSide& s) {
    return s.path + " (" + ab_side_kind_name(s.kind) + ")";
}

std::string exit_line(const AbAnalysis& a) {
    if (a.exit_code() == 0) return " -> exit 0";
    std::string why;
    if (a.count(Verdict::slower)) why = "confirmed slower";
    if (!a.failed.empty()) why += std::string(why.empty() ? "" : ", ") + "failed case";
    if (!a.missing.empty()) why += std::string(why.empty() ? "" : ", ") + "missing case";
    return " -> exit 1 (" + why + ")";
}

}  // namespace

std::string ab_summary(const AbAnalysis& a) {
    return std::to_string(a.count(Verdict::slower)) + " SLOWER, " +
           std::to_string(a.count(Verdict::faster)) + " FASTER, " +
           std::to_string(a.count(Verdict::same)) + " SAME, " +
           std::to_string(a.count(Verdict::noisy)) + " NOISY, " + std::to_string(a.failed.size()) +
           " failed, " + std::to_string(a.missing.size()) + " missing";
}

void print_ab_text(std::ostream& os, const AbSession& s, const AbAnalysis& a,
                   const AbRunInfo& info) {
    os << "Baseline:  " << side_line(s.baseline) << "\nCandidate: " << side_line(s.candidate)
       << "\n\n";
    Table t({"verdict", "case", "baseline", "candidate", "change", "CI95", "q", "rounds"});
    for (const auto* x : ordered(a))
        t.add_row({verdict_name(x->verdict), x->name, fmt_time(x->base_median),
                   fmt_time(x->cand_median), fmt_change(x->ratio), ci(*x), qval(x->q),
                   std::to_string(x->rounds)});
    t.print(os);
    for (const auto* x : ordered(a))
        if (x->verdict != Verdict::same)
            os << verdict_name(x->verdict) << ": " << x->name << ": " << x->reason << "\n";
    for (const auto& f : a.failed) os << "FAILED: " << f << "\n";
    for (const auto& m : a.missing) os << "MISSING in the candidate: " << m << "\n";
    if (!a.only_candidate.empty())
        os << "Only in the candidate (not compared): " << a.only_candidate.size() << " case(s)\n";
    if (info.baseline_run_id)
        os << "Recorded in " << info.db << ": baseline run " << info.baseline_run_id
           << ", candidate run " << info.candidate_run_id << "\n";
    os << "\nRule: " << rule(s, a, info) << ". " << int(s.wall_s + 0.5) << " s.\n";
    os << ab_summary(a) << exit_line(a) << "\n";
}

std::string ab_markdown(const AbSession& s, const AbAnalysis& a, const AbRunInfo& info) {
    std::ostringstream os;
    os << "### flopmeter ab: " << ab_summary(a) << "\n\n";
    if (a.exit_code() == 0) {
        os << ":white_check_mark: no case confirmed slower, none failed or missing\n\n";
    } else {
        os << ":x: **" << exit_line(a).substr(4) << "**\n\n";
    }
    os << "- Baseline: `" << side_line(s.baseline) << "`\n- Candidate: `" << side_line(s.candidate)
       << "`\n\n";
    Table t({"verdict", "case", "baseline", "candidate", "change", "95% CI", "q (BH)", "rounds"});
    for (const auto* x : ordered(a))
        t.add_row({verdict_name(x->verdict), "`" + x->name + "`", fmt_time(x->base_median),
                   fmt_time(x->cand_median), fmt_change(x->ratio), ci(*x), qval(x->q),
                   std::to_string(x->rounds)});
    t.print_markdown(os);
    bool notes = false;
    for (const auto* x : ordered(a))
        if (x->verdict != Verdict::same) {
            if (!notes) os << "\n<details><summary>Why</summary>\n\n";
            notes = true;
            os << "- **" << verdict_name(x->verdict) << "** `" << x->name << "`: " << x->reason
               << "\n";
        }
    if (notes) os << "\n</details>\n";
    if (!a.failed.empty() || !a.missing.empty()) os << "\n";
    for (const auto& f : a.failed) os << "- :x: failed: " << f << "\n";
    for (const auto& m : a.missing) os << "- :x: missing in the candidate: `" << m << "`\n";
    os << "\n<sub>" << rule(s, a, info) << ".</sub>\n";
    return os.str();
}

ojson ab_to_json(const AbSession& s, const AbAnalysis& a, const AbRunInfo& info) {
    ojson cases = ojson::array();
    for (std::size_t i = 0; i < a.cases.size(); ++i) {
        const AbCase& x = a.cases[i];
        ojson base = ojson::array(), cand = ojson::array();
        for (double v : s.cases[i].base)
            base.push_back(std::isfinite(v) ? ojson(v) : ojson(nullptr));
        for (double v : s.cases[i].cand)
            cand.push_back(std::isfinite(v) ? ojson(v) : ojson(nullptr));
        cases.push_back({{"case", x.name},
                         {"verdict", verdict_name(x.verdict)},
                         {"reason", x.reason},
                         {"threads", s.threads[i]},
                         {"rounds", x.rounds},
                         {"epochs", s.epochs > 0 ? ojson(x.units) : ojson(nullptr)},
                         {"baseline_median_s", x.base_median},
                         {"candidate_median_s", x.cand_median},
                         {"ratio", x.ratio},
                         {"ci_low", x.ratio_lo},
                         {"ci_high", x.ratio_hi},
                         {"w_plus", x.w_plus},
                         {"p", x.p},
                         {"q", x.q},
                         {"exact", x.exact},
                         {"disturbed_visits", s.disturbed.empty() ? 0 : s.disturbed[i]},
                         {"round_ratios", x.ratios},
                         {"round_times_s", {{"baseline", base}, {"candidate", cand}}}});
    }
    const auto& o = a.options;
    auto side = [](const AbSide& sd, std::int64_t run) {
        ojson env = ojson::object();
        for (const auto& [k, v] : sd.env) env[k] = v;
        return ojson{{"path", sd.path},
                     {"kind", ab_side_kind_name(sd.kind)},
                     {"env", env},
                     {"run_id", run ? ojson(run) : ojson(nullptr)}};
    };
    return {
        {"schema", "flopmeter.ab"},
        {"schema_version", 1},
        {"baseline", side(s.baseline, info.baseline_run_id)},
        {"candidate", side(s.candidate, info.candidate_run_id)},
        {"settings",
         {{"rounds", s.rounds_run},
          {"rounds_asked", info.rounds},
          {"time_limit_s", info.time_limit_s > 0 ? ojson(info.time_limit_s) : ojson(nullptr)},
          {"extra_rounds_run", s.extra_rounds},
          {"duet", info.duet},
          {"served", s.served},
          {"epochs", s.epochs > 0 ? ojson(s.epochs) : ojson(nullptr)},
          {"restart_s", s.epochs > 0 ? ojson(s.restart_s) : ojson(nullptr)},
          {"visit_quantile", info.quantile},
          {"warmup_s", s.warmup_s >= 0 ? ojson(s.warmup_s) : ojson(nullptr)},
          {"seed", info.seed},
          {"cpus", s.cpus},
          {"min_effect", o.min_effect},
          {"fdr", o.fdr},
          {"ci_level", o.ci_level},
          {"min_rounds", o.min_rounds},
          {"test", s.epochs > 0 ? "wilcoxon-signed-rank on the per-epoch median of "
                                  "log(candidate/baseline)"
                                : "wilcoxon-signed-rank on log(candidate/baseline) per round"}}},
        {"summary",
         {{"slower", a.count(Verdict::slower)},
          {"faster", a.count(Verdict::faster)},
          {"same", a.count(Verdict::same)},
          {"noisy", a.count(Verdict::noisy)},
          {"failed", a.failed},
          {"missing", a.missing},
          {"only_candidate", a.only_candidate}}},
        {"exit_code", a.exit_code()},
        {"wall_s", s.wall_s},
        {"db", info.db},
        {"cases", cases}};
}

}  // namespace flopmeter
