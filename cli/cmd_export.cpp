// `flopmeter export`: a stored run back as flopmeter results JSON.
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "track/run_ref.hpp"

namespace flopmeter {

namespace {

struct ExportCliOptions {
    std::string run = "latest", db, output;
    double lock_timeout_s = 10;
};

int run_export(const ExportCliOptions& o, Io io) {
    StoreOptions so;
    so.read_only = true;  // a reading command: works on a store it cannot write
    so.busy_timeout_ms = int(o.lock_timeout_s * 1000);
    check_output_paths({o.output});
    RunResolver resolver(o.db.empty() ? default_db_path() : o.db, so);
    const ResolvedRun r = resolver.resolve(o.run);
    if (!r.info) throw UsageError("'" + o.run + "' is a file, not a stored run: nothing to export");
    const std::string json = results_to_json_string(r.doc);
    write_output(o.output.empty() ? "-" : o.output, json, io.out);
    if (!o.output.empty() && o.output != "-")
        io.err << "Exported " << r.label << " to " << o.output << "\n";
    return 0;
}

}  // namespace

void register_export(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<ExportCliOptions>();
    CLI::App* sub = app.add_subcommand("export", "Write a stored run as flopmeter results JSON");
    sub->add_option("run", o->run, "Run id, git SHA prefix, tag, or 'latest' (default)");
    sub->add_option("--db", o->db,
                    "Results store (default: $FLOPMETER_DB, else flopmeter.db here)");
    sub->add_option("-o,--output", o->output, "Write to FILE instead of standard output");
    sub->add_option("--lock-timeout", o->lock_timeout_s,
                    "Seconds to wait for a busy store (default 10)");
    sub->callback([o, io, &action] { action = [o, io] { return run_export(*o, io); }; });
}

}  // namespace flopmeter
