// `flopmeter record`: store result files (flopmeter or Google Benchmark JSON) as runs.
#include <memory>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "track/record.hpp"
#include "track/results_file.hpp"

namespace flopmeter {

namespace {

struct RecordCliOptions {
    std::vector<std::string> files;
    std::string db, tag, git_sha;
    double lock_timeout_s = 10;
};

int run_record(const RecordCliOptions& o, Io io) {
    if (!(o.lock_timeout_s >= 0)) throw UsageError("--lock-timeout must be >= 0");
    const std::string db = o.db.empty() ? default_db_path() : o.db;
    // Read and check every file before touching the store: a bad file records nothing.
    std::vector<ResultsDocument> docs;
    for (const auto& f : o.files) docs.push_back(load_results_file(f));
    RecordOptions ro;
    ro.tag = o.tag;
    ro.git_sha = o.git_sha;
    ro.busy_timeout_ms = int(o.lock_timeout_s * 1000);
    for (std::size_t i = 0; i < docs.size(); ++i) {
        const RecordOutcome r = record_results(docs[i], db, ro);
        if (r.added)
            io.out << "Recorded " << o.files[i] << " as run " << r.run_id << " ("
                   << docs[i].results.size() << " cases, " << docs[i].provenance.tool << ") in "
                   << db << "\n";
        else
            io.out << o.files[i] << " is already recorded as run " << r.run_id << " in " << db
                   << "\n";
    }
    return 0;
}

}  // namespace

void register_record(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<RecordCliOptions>();
    CLI::App* sub = app.add_subcommand(
        "record", "Store result files (flopmeter or Google Benchmark JSON) as runs");
    sub->add_option("results", o->files, "Result JSON files")->required();
    sub->add_option("--db", o->db,
                    "Results store (default: $FLOPMETER_DB, else flopmeter.db here)");
    sub->add_option("--tag", o->tag, "Name the run (e.g. v1.2, nightly): usable as --baseline");
    sub->add_option("--git-sha", o->git_sha, "Git SHA to record (default: the one in the file)");
    sub->add_option("--lock-timeout", o->lock_timeout_s,
                    "Seconds to wait for another process writing the store (default 10)");
    sub->callback([o, io, &action] { action = [o, io] { return run_record(*o, io); }; });
}

}  // namespace flopmeter
