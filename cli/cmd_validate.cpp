// `flopmeter validate`: the cost model against published training runs (data embedded from
// data/published_runs.json, or --runs FILE). Prints each row's error and the median; exit 1
// only when a compute total ('flops' row) is off by more than 3% - throughput errors are
// reported, not judged.
#include <sstream>

#include "calibrate/profile_store.hpp"
#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "costmodel/published_runs.hpp"

namespace flopmeter {

namespace {

struct ValidateOptions {
    std::string runs_path, setup_path, markdown_path;
};

int run_validate(const ValidateOptions& o, Io io) {
    if (!o.markdown_path.empty()) check_writable_path(o.markdown_path);
    const std::string runs = o.runs_path.empty() ? cost::builtin_published_runs() : read_file(o.runs_path);
    const std::string setup = o.setup_path.empty() ? cost::builtin_published_runs_setup() : read_file(o.setup_path);
    const cost::ValidationReport r = cost::validate_published_runs(runs, setup, load_predictor);
    cost::print_validation(io.out, r, false);
    if (!o.markdown_path.empty()) {
        std::ostringstream md;
        cost::print_validation(md, r, true);
        write_file_atomic(o.markdown_path, md.str());
    }
    return r.flops_failed > 0 ? 1 : 0;
}

}  // namespace

void register_validate(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<ValidateOptions>();
    CLI::App* sub = app.add_subcommand("validate", "Check the cost model against published training runs");
    sub->add_option("--runs", o->runs_path, "Published runs JSON (default: the copy built in, data/published_runs.json)");
    sub->add_option("--setup", o->setup_path, "How each run is reproduced (default: data/published_runs_setup.json, built in)");
    sub->add_option("--markdown", o->markdown_path, "Also write the report as Markdown to FILE");
    sub->callback([o, io, &action] { action = [o, io] { return run_validate(*o, io); }; });
}

}  // namespace flopmeter
