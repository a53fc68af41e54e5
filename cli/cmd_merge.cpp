// `flopmeter merge`: copy the runs of other stores (other machines, CI artifacts) into one.
#include <memory>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "track/merge.hpp"

namespace flopmeter {

namespace {

struct MergeCliOptions {
    std::vector<std::string> sources;
    std::string db;
    double lock_timeout_s = 10;
};

int run_merge(const MergeCliOptions& o, Io io) {
    const std::string db = o.db.empty() ? default_db_path() : o.db;
    StoreOptions so;
    so.create = true;
    so.busy_timeout_ms = int(o.lock_timeout_s * 1000);
    // Open every source first, so a bad one is reported before anything is copied.
    for (const auto& s : o.sources) Store::open_snapshot(s, so.busy_timeout_ms);
    Store target = Store::open(db, so);
    for (const auto& s : o.sources) {
        const MergeOutcome m = merge_store(target, db, s, so.busy_timeout_ms);
        io.out << "Merged " << s << " into " << db << ": " << m.added << " run(s) added, "
               << m.already_present << " already present\n";
    }
    return 0;
}

}  // namespace

void register_merge(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<MergeCliOptions>();
    CLI::App* sub =
        app.add_subcommand("merge", "Copy the runs of other stores into --db (duplicates skipped)");
    sub->add_option("sources", o->sources, "Stores to read (not modified)")->required();
    sub->add_option("--db", o->db,
                    "Target store, created if missing (default: $FLOPMETER_DB, else flopmeter.db)");
    sub->add_option("--lock-timeout", o->lock_timeout_s,
                    "Seconds to wait for a busy store (default 10)");
    sub->callback([o, io, &action] { action = [o, io] { return run_merge(*o, io); }; });
}

}  // namespace flopmeter
