// `flopmeter validate`: the cost model against published training runs (data embedded from
// data/published_runs.json, or --runs FILE). Prints each row's error and the median; exit 1
// only when a compute total ('flops' row) is off by more than 3% - throughput errors are
// reported, not judged.
#include <sstream>

#include "calibrate/profile_store.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "costmodel/published_runs.hpp"

namespace flopmeter {

namespace {

struct ValidateOptions {
    std::string runs_path, setup_path, markdown_path;
};

int run_validate(const ValidateOptions& o, Io io_in) {
    check_output_paths({o.markdown_path});
    Io io{text_stream(io_in, {o.markdown_path}),
          io_in.err};  // text to stderr when data goes to stdout
    std::ostream& data_out = io_in.out;
    const std::string runs =
        o.runs_path.empty() ? cost::builtin_published_runs() : read_file(o.runs_path);
    const std::string setup =
        o.setup_path.empty() ? cost::builtin_published_runs_setup() : read_file(o.setup_path);
    cost::ValidationReport r;
    try {
        r = cost::validate_published_runs(runs, setup, load_predictor);
    } catch (const UsageError& e) {
        // Name the file(s) the bad data came from.
        std::string files;
        for (const auto* f : {&o.runs_path, &o.setup_path})
            if (!f->empty()) files += (files.empty() ? "" : ", ") + *f;
        if (files.empty()) throw;
        throw UsageError(files + ": " + e.what());
    }
    cost::print_validation(io.out, r, false);
    if (!o.markdown_path.empty()) {
        std::ostringstream md;
        cost::print_validation(md, r, true);
        write_output(o.markdown_path, md.str(), data_out);
    }
    return r.flops_failed > 0 ? 1 : 0;
}

}  // namespace

void register_validate(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<ValidateOptions>();
    CLI::App* sub =
        app.add_subcommand("validate", "Check the cost model against published training runs");
    sub->add_option("--runs", o->runs_path,
                    "Published runs JSON (default: the copy built in, data/published_runs.json)");
    sub->add_option(
        "--setup", o->setup_path,
        "How each run is reproduced (default: data/published_runs_setup.json, built in)");
    sub->add_option("--markdown", o->markdown_path, "Also write the report as Markdown to FILE");
    sub->callback([o, io, &action] { action = [o, io] { return run_validate(*o, io); }; });
}

}  // namespace flopmeter
