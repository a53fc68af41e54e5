// `flopmeter convert RESULT.json --to csv|markdown|gbench|json`: re-print a results file in
// another format (the file is schema-checked on the way in).
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "measure/writers.hpp"

namespace flopmeter {

namespace {
struct ConvertOptions {
    std::string input, to = "markdown", out;
    int repetitions = 1;
};

int run_convert(const ConvertOptions& o, Io io) {
    check_output_paths({o.out});
    const ResultsDocument doc = results_from_json_string(read_file(o.input));
    std::string text;
    if (o.to == "csv")
        text = results_to_csv(doc);
    else if (o.to == "markdown" || o.to == "md")
        text = results_to_markdown(doc);
    else if (o.to == "gbench")
        text = results_to_gbench_json(doc, o.repetitions);
    else if (o.to == "json")
        text = results_to_json_string(doc);
    else
        throw UsageError("unknown --to '" + o.to + "' (valid: csv, markdown, gbench, json)");
    write_output(o.out.empty() ? "-" : o.out, text, io.out);
    return 0;
}
}  // namespace

void register_convert(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<ConvertOptions>();
    CLI::App* sub = app.add_subcommand(
        "convert", "Print a flopmeter results file as CSV, Markdown or Google Benchmark JSON");
    sub->add_option("file", o->input, "flopmeter results JSON")->required();
    sub->add_option("--to", o->to, "csv, markdown (default), gbench, json");
    sub->add_option("--out", o->out, "Write to FILE instead of standard output");
    sub->add_option("--repetitions", o->repetitions,
                    "gbench: rows per case, each the median of one block of samples in the order "
                    "taken; above 1, "
                    "Google Benchmark's mean/median/stddev/cv aggregates follow (compare.py's U "
                    "test needs 2+, "
                    "better 9+). Default 1: one row per case, its median")
        ->check(CLI::PositiveNumber);
    sub->callback([o, io, &action] { action = [o, io] { return run_convert(*o, io); }; });
}

}  // namespace flopmeter
