// The printer layer of the bench commands (nvbench's idea: results in, text out). A command
// describes its table (identity columns, metric columns, the ratio key) and its title; this
// prints the table, the warnings, the notes and the validation line, writes every output asked
// for (--json, --markdown, --csv, --gbench-json, '-' for stdout), records when asked and returns
// the exit status. The progress line (with an ETA) is here too.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/record_flags.hpp"
#include "measure/bench_runner.hpp"
#include "measure/result_json.hpp"

namespace flopmeter {

// Output options every bench command offers; each names a file, '-' for stdout.
struct BenchOutputs {
    std::string json, markdown, csv, gbench;
    bool progress = false;  // the ETA on the progress lines even when stderr is no terminal
    std::vector<std::string> cases;  // --case: only these cases (BenchRunOptions::only)
};
void add_bench_output_flags(CLI::App* sub, BenchOutputs& o);
// Refuses unwritable outputs before anything is measured; returns where the text goes.
std::ostream& check_bench_outputs(const BenchOutputs& o, Io io);

// The console (and Markdown) table of one bench command.
struct BenchTable {
    using Cells = std::function<std::vector<std::string>(const CaseResult&, std::size_t index)>;
    std::vector<std::string> id_headers;  // filled for every case
    Cells ids;
    std::vector<std::string> metric_headers;  // filled for a case that ran; else its status and "-"
    Cells metrics;
    // With more than one backend: a "vs <first>" column, the model FLOP rate over the first
    // backend's for the case with the same key.
    std::vector<std::string> backends;
    std::function<std::string(const CaseResult&, std::size_t index)> ratio_key;
    std::string kernel_header = "kernel set";
    // GPU cases: every case warning becomes a note; CPU cases: UNCONVERGED and CONTENDED only
    // (the others are the run-level warnings).
    bool all_case_warnings = false;
};

// "+-0.42%" (the median's 95% CI half-width) or "n/a", then UNCONVERGED / CONTENDED marks.
std::string bench_ci_cell(const CaseResult& r, bool mark_contended = true);
// "FAILED validation", "unavailable" or "ERROR".
std::string bench_status_word(const CaseResult& r);

struct BenchReport {
    std::string title;  // printed above the table (with its own blank line)
    const RecordFlags* record = nullptr;
    // flopmeter's results JSON by default; GPU commands add the GPU's provenance.
    std::function<std::string(const ResultsDocument&)> json;
};

// Prints and writes everything; returns 1 when a kernel failed validation, 2 when a case failed
// otherwise (launch failure, error), else 0.
int print_bench_report(const ResultsDocument& doc, const BenchTable& table,
                       const BenchReport& report, const BenchOutputs& outputs, Io io);

// "[3/12] case-name", with "| 4.1 s elapsed, ~12 s left" when stderr is a terminal or --progress.
std::function<void(const BenchProgress&)> bench_progress_printer(std::ostream& err, bool force_eta);

}  // namespace flopmeter
