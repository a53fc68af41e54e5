#include "track/check_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/text_table.hpp"

namespace flopmeter {

using ojson = nlohmann::ordered_json;

namespace {

std::string ci(const RatioTest& t) {
    return t.available ? fmt_change(t.ratio_lo) + " .. " + fmt_change(t.ratio_hi) : "-";
}

std::string qval(const RatioTest& t) {
    if (!t.available) return "-";
    char b[32];
    std::snprintf(b, sizeof b, t.q < 1e-3 ? "%.0e" : "%.3f", t.q);
    return b;
}

// Worst news first: SLOWER, FASTER, NOISY, SAME; then by size of the change.
std::vector<const CaseComparison*> ordered(const Comparison& c) {
    std::vector<const CaseComparison*> v;
    for (const auto& x : c.cases) v.push_back(&x);
    std::stable_sort(v.begin(), v.end(), [](const CaseComparison* a, const CaseComparison* b) {
        if (a->verdict != b->verdict) return int(a->verdict) < int(b->verdict);
        return std::abs(a->wall.ratio - 1) > std::abs(b->wall.ratio - 1);
    });
    return v;
}

std::string rule(const Comparison& c) {
    const auto& o = c.options;
    char b[400];
    std::snprintf(b, sizeof b,
                  "two-sided Mann-Whitney U per case on raw samples, Benjamini-Hochberg FDR %.3g%% "
                  "across %zu "
                  "cases, minimum effect %.3g%% on the ratio of medians, %.3g%% CI of the ratio "
                  "(Hodges-Lehmann); "
                  "clock-normalised test must agree where clocks were recorded",
                  100 * o.fdr, c.cases.size(), 100 * o.min_effect, 100 * o.ci_level);
    return b;
}

}  // namespace

std::string check_summary(const Comparison& c) {
    std::string s = std::to_string(c.count(Verdict::slower)) + " SLOWER, " +
                    std::to_string(c.count(Verdict::faster)) + " FASTER, " +
                    std::to_string(c.count(Verdict::same)) + " SAME, " +
                    std::to_string(c.count(Verdict::noisy)) + " NOISY";
    if (!c.candidate_failed.empty())
        s += ", " + std::to_string(c.candidate_failed.size()) + " FAILED in the candidate";
    if (!c.candidate_missing.empty())
        s += ", " + std::to_string(c.candidate_missing.size()) + " MISSING in the candidate";
    return s;
}

namespace {
std::string exit_reason(const Comparison& c) {
    if (c.any_slower() && c.candidate_incomplete())
        return " -> exit 1 (confirmed slower; candidate cases failed or missing)";
    if (c.any_slower()) return " -> exit 1 (confirmed slower)";
    if (c.candidate_incomplete()) return " -> exit 1 (candidate cases failed or missing)";
    return " -> exit 0";
}
}  // namespace

void print_check_text(std::ostream& os, const Comparison& c, const CheckContext& ctx) {
    os << "Baseline:  " << ctx.baseline_label << "\nCandidate: " << ctx.candidate_label << "\n";
    for (const auto& d : ctx.hardware_diffs)
        os << "WARNING: different hardware: " << d.field << " '" << d.baseline << "' vs '"
           << d.candidate << "'\n";
    os << "\n";
    Table t({"verdict", "case", "baseline", "candidate", "change", "CI95", "q", "clock-norm", "n"});
    for (const auto* x : ordered(c))
        t.add_row({verdict_name(x->verdict), x->name, fmt_time(x->base_median),
                   fmt_time(x->cand_median), fmt_change(x->wall.ratio), ci(x->wall), qval(x->wall),
                   x->clock.available ? fmt_change(x->clock.ratio) : "-",
                   std::to_string(x->n_base) + "/" + std::to_string(x->n_cand)});
    t.print(os);
    for (const auto* x : ordered(c))
        if (x->verdict != Verdict::same)
            os << verdict_name(x->verdict) << ": " << x->name << ": " << x->reason << "\n";
    for (const auto& n : c.candidate_failed) os << "FAILED in the candidate: " << n << "\n";
    for (const auto& n : c.candidate_missing) os << "MISSING in the candidate: " << n << "\n";
    for (const auto& n : c.not_timed) os << "NOT COMPARED: " << n << "\n";
    if (!c.only_baseline.empty())
        os << "Only in the baseline: " << c.only_baseline.size() << " case(s)\n";
    if (!c.only_candidate.empty())
        os << "Only in the candidate: " << c.only_candidate.size() << " case(s)\n";
    os << "\nRule: " << rule(c) << ".\n";
    os << check_summary(c) << exit_reason(c) << "\n";
}

std::string check_markdown(const Comparison& c, const CheckContext& ctx) {
    std::ostringstream os;
    os << "### flopmeter check: " << check_summary(c) << "\n\n";
    if (c.any_slower())
        os << ":x: **" << c.count(Verdict::slower) << " case(s) confirmed slower**\n\n";
    if (c.candidate_incomplete())
        os << ":x: **" << c.candidate_failed.size() + c.candidate_missing.size()
           << " case(s) timed in the baseline failed or missing in the candidate**\n\n";
    if (c.exit_code() == 0)
        os << ":white_check_mark: no case confirmed slower, none failed or missing\n\n";
    os << "- Baseline: " << ctx.baseline_label << "\n- Candidate: " << ctx.candidate_label << "\n";
    for (const auto& d : ctx.hardware_diffs)
        os << "- :warning: different hardware: `" << d.field << "` `" << d.baseline << "` vs `"
           << d.candidate << "`\n";
    os << "\n";
    Table t({"verdict", "case", "baseline", "candidate", "change", "95% CI", "q (BH)",
             "clock-normalised"});
    for (const auto* x : ordered(c))
        t.add_row({verdict_name(x->verdict), "`" + x->name + "`", fmt_time(x->base_median),
                   fmt_time(x->cand_median), fmt_change(x->wall.ratio), ci(x->wall), qval(x->wall),
                   x->clock.available ? fmt_change(x->clock.ratio) : "-"});
    t.print_markdown(os);
    bool notes = false;
    for (const auto* x : ordered(c))
        if (x->verdict != Verdict::same) {
            if (!notes) os << "\n<details><summary>Why</summary>\n\n";
            notes = true;
            os << "- **" << verdict_name(x->verdict) << "** `" << x->name << "`: " << x->reason
               << "\n";
        }
    if (notes) os << "\n</details>\n";
    for (const auto& n : c.candidate_failed) os << "\n- **FAILED in the candidate**: " << n;
    for (const auto& n : c.candidate_missing)
        os << "\n- **MISSING in the candidate**: `" << n << "`";
    for (const auto& n : c.not_timed) os << "\n- not compared: " << n;
    if (!c.not_timed.empty() || c.candidate_incomplete()) os << "\n";
    os << "\n<sub>" << rule(c) << ".</sub>\n";
    return os.str();
}

ojson check_to_json(const Comparison& c, const CheckContext& ctx) {
    auto test = [](const RatioTest& t) -> ojson {
        if (!t.available) return nullptr;
        return {{"ratio", t.ratio}, {"ci_low", t.ratio_lo}, {"ci_high", t.ratio_hi}, {"p", t.p},
                {"q", t.q},         {"exact", t.exact}};
    };
    ojson cases = ojson::array();
    for (const auto& x : c.cases)
        cases.push_back(
            {{"case", x.name},
             {"verdict", verdict_name(x.verdict)},
             {"reason", x.reason},
             {"baseline_median_s", x.base_median},
             {"candidate_median_s", x.cand_median},
             {"samples", {{"baseline", x.n_base}, {"candidate", x.n_cand}}},
             {"flagged_dropped", {{"baseline", x.dropped_base}, {"candidate", x.dropped_cand}}},
             {"clock_ghz", {{"baseline", x.base_ghz}, {"candidate", x.cand_ghz}}},
             {"model_flops", x.model_flops},
             {"bytes", x.bytes},
             {"wall", test(x.wall)},
             {"clock_normalised", test(x.clock)}});
    ojson diffs = ojson::array();
    for (const auto& d : ctx.hardware_diffs)
        diffs.push_back({{"field", d.field}, {"baseline", d.baseline}, {"candidate", d.candidate}});
    const auto& o = c.options;
    return {{"schema", "flopmeter.check"},
            {"schema_version", 1},
            {"baseline", ctx.baseline_label},
            {"candidate", ctx.candidate_label},
            {"settings",
             {{"min_effect", o.min_effect},
              {"fdr", o.fdr},
              {"ci_level", o.ci_level},
              {"min_samples", o.min_samples},
              {"drop_flagged", o.drop_flagged}}},
            {"hardware_differences", diffs},
            {"summary",
             {{"slower", c.count(Verdict::slower)},
              {"faster", c.count(Verdict::faster)},
              {"same", c.count(Verdict::same)},
              {"noisy", c.count(Verdict::noisy)},
              {"not_compared", c.not_timed.size()},
              {"only_baseline", c.only_baseline},
              {"only_candidate", c.only_candidate},
              {"candidate_failed", c.candidate_failed.size()},
              {"candidate_missing", c.candidate_missing.size()}}},
            {"candidate_failed", c.candidate_failed},
            {"candidate_missing", c.candidate_missing},
            {"not_compared", c.not_timed},
            {"exit_code", c.exit_code()},
            {"statistics_s", c.compute_s},
            {"cases", cases}};
}

}  // namespace flopmeter
