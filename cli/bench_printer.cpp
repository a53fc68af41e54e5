#include "cli/bench_printer.hpp"

#include <unistd.h>

#include <map>
#include <set>
#include <sstream>

#include "cli/output.hpp"
#include "core/text_table.hpp"
#include "measure/writers.hpp"

namespace flopmeter {

void add_bench_output_flags(CLI::App* sub, BenchOutputs& o) {
    sub->add_option("--json", o.json,
                    "Write flopmeter results JSON (raw samples included) to FILE ('-': stdout)");
    sub->add_option("--markdown", o.markdown, "Write the table as Markdown to FILE ('-': stdout)");
    sub->add_option("--csv", o.csv,
                    "Write one CSV row per case, every statistic, to FILE ('-': stdout)");
    sub->add_option(
        "--gbench-json", o.gbench,
        "Write Google Benchmark-compatible JSON (for tools/compare.py) to FILE ('-': stdout)");
    sub->add_flag("--progress", o.progress,
                  "Show elapsed time and the estimated time left even when stderr is no terminal");
    sub->add_option("--case", o.cases,
                    "Only the cases with these names, as results name them (list; e.g. "
                    "gemm/own/fp32/nn/256x256x256/t2); an unknown name exits 2")
        ->delimiter(',');
}

std::ostream& check_bench_outputs(const BenchOutputs& o, Io io) {
    check_output_paths({o.json, o.markdown, o.csv, o.gbench});
    return text_stream(io, {o.json, o.markdown, o.csv, o.gbench});
}

std::string bench_ci_cell(const CaseResult& r, bool mark_contended) {
    const double h = r.measurement.stats.ci_rel_halfwidth();
    return (h < 1e300 ? "+-" + fmt_fixed(100.0 * h, 2) + "%" : "n/a") +
           (r.measurement.converged ? "" : " UNCONVERGED") +
           (mark_contended && r.contended ? " CONTENDED" : "");
}

std::string bench_status_word(const CaseResult& r) {
    return r.status == CaseStatus::validation_failed ? "FAILED validation"
           : r.status == CaseStatus::unavailable     ? "unavailable"
                                                     : "ERROR";
}

namespace {

Table build_table(const ResultsDocument& doc, const BenchTable& bt,
                  std::vector<std::string>& notes) {
    const bool ratios = bt.backends.size() > 1 && bt.ratio_key;
    std::map<std::string, double> first_rate;
    if (ratios)
        for (std::size_t i = 0; i < doc.results.size(); ++i) {
            const CaseResult& r = doc.results[i];
            if (r.backend == bt.backends.front() && r.status == CaseStatus::ok)
                first_rate.emplace(bt.ratio_key(r, i), r.model_flops_per_s());
        }
    std::vector<std::string> headers = bt.id_headers;
    headers.insert(headers.end(), bt.metric_headers.begin(), bt.metric_headers.end());
    if (ratios) headers.push_back("vs " + bt.backends.front());
    headers.push_back(bt.kernel_header);
    Table t(headers);
    for (std::size_t i = 0; i < doc.results.size(); ++i) {
        const CaseResult& r = doc.results[i];
        std::vector<std::string> row = bt.ids(r, i);
        if (r.status == CaseStatus::ok) {
            for (auto& c : bt.metrics(r, i)) row.push_back(std::move(c));
            if (ratios) {
                auto it = first_rate.find(bt.ratio_key(r, i));
                row.push_back(it != first_rate.end() && it->second > 0
                                  ? fmt_fixed(r.model_flops_per_s() / it->second, 2) + "x"
                                  : "-");
            }
        } else {
            row.push_back(bench_status_word(r));
            for (std::size_t k = 1; k < bt.metric_headers.size(); ++k) row.push_back("-");
            if (ratios) row.push_back("-");
            notes.push_back(r.name + ": " + r.error);
        }
        row.push_back(r.kernel_set);
        t.add_row(row);
        for (const auto& w : r.warnings)
            if (bt.all_case_warnings || w.rfind("UNCONVERGED", 0) == 0 ||
                w.rfind("CONTENDED", 0) == 0)
                notes.push_back(r.name + ": " + w);
    }
    return t;
}

}  // namespace

int print_bench_report(const ResultsDocument& doc, const BenchTable& table,
                       const BenchReport& report, const BenchOutputs& outputs, Io io) {
    std::ostream& out =
        text_stream(io, {outputs.json, outputs.markdown, outputs.csv, outputs.gbench});
    std::vector<std::string> notes;
    const Table t = build_table(doc, table, notes);
    out << report.title;
    t.print(out);
    std::set<std::string> seen;
    for (const auto& w : doc.warnings)
        if (seen.insert(w).second) out << "WARNING: " << w << '\n';
    for (const auto& n : notes) out << "NOTE: " << n << '\n';
    bool all_valid = true, any_timed = false;
    for (const auto& r : doc.results)
        if (r.status == CaseStatus::ok) {
            any_timed = true;
            all_valid = all_valid && r.validated;
        }
    if (any_timed)
        out << (all_valid ? "All timed kernels passed validation against the double-precision "
                            "reference.\n"
                          : "Some kernels were timed without validation.\n");
    if (!outputs.json.empty()) {
        write_output(outputs.json, report.json ? report.json(doc) : results_to_json_string(doc),
                     io.out);
        if (outputs.json != "-") out << "Results written to " << outputs.json << '\n';
    }
    if (report.record) record_if_asked(*report.record, doc, out);
    if (!outputs.markdown.empty()) {
        std::ostringstream md;
        t.print_markdown(md);
        write_output(outputs.markdown, md.str(), io.out);
    }
    if (!outputs.csv.empty()) write_output(outputs.csv, results_to_csv(doc), io.out);
    if (!outputs.gbench.empty()) write_output(outputs.gbench, results_to_gbench_json(doc), io.out);

    bool invalid = false, failed = false;
    for (const auto& r : doc.results) {
        invalid = invalid || r.status == CaseStatus::validation_failed;
        failed = failed || r.status == CaseStatus::error;
    }
    return invalid ? 1 : failed ? 2 : 0;
}

namespace {
std::string duration(double s) {
    if (s < 60) return fmt_fixed(s, s < 10 ? 1 : 0) + " s";
    const long m = long(s / 60 + 0.5);
    return m < 60 ? std::to_string(m) + " min"
                  : std::to_string(m / 60) + " h " + std::to_string(m % 60) + " min";
}
}  // namespace

std::function<void(const BenchProgress&)> bench_progress_printer(std::ostream& err,
                                                                 bool force_eta) {
    const bool eta = force_eta || isatty(STDERR_FILENO);
    return [&err, eta](const BenchProgress& p) {
        err << "[" << p.done << "/" << p.total << "] " << p.name;
        if (eta) {
            err << " | " << fmt_fixed(p.elapsed_s, 1) << " s elapsed";
            if (p.remaining_s >= 0) err << ", ~" << duration(p.remaining_s) << " left";
        }
        err << '\n';
    };
}

}  // namespace flopmeter
