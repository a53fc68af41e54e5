// `flopmeter check`: is the candidate run slower than the baseline? A CI gate: exit 1 when a
// case is confirmed slower, 0 otherwise, 2 on bad input (missing baseline, other hardware).
#include <chrono>
#include <memory>
#include <set>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "track/check_report.hpp"
#include "track/run_ref.hpp"
#include "track/run_spread.hpp"

namespace flopmeter {

namespace {

struct CheckCliOptions {
    std::string baseline, candidate = "latest", db;
    CompareOptions compare;
    bool allow_different_hardware = false, keep_flagged = false;
    std::string markdown_path, json_path;
    double lock_timeout_s = 10;
    int min_history = 5;  // runs of history needed to learn the run-to-run spread (0: off)
};

int run_check(const CheckCliOptions& o, Io io) {
    const auto t0 = std::chrono::steady_clock::now();
    check_output_paths({o.markdown_path, o.json_path});
    StoreOptions so;
    so.read_only = true;  // a reading command: works on a store it cannot write
    so.busy_timeout_ms = int(o.lock_timeout_s * 1000);
    RunResolver resolver(o.db.empty() ? default_db_path() : o.db, so);
    const ResolvedRun base = resolver.resolve(o.baseline);
    const ResolvedRun cand = resolver.resolve(o.candidate);
    if (base.info && cand.info && base.info->id == cand.info->id)
        throw UsageError("the baseline and the candidate are the same run (" + base.label +
                         "); record the candidate first or name it with --candidate");

    CheckContext ctx{base.label, cand.label, {}};
    const Provenance &pb = base.doc.provenance, &pc = cand.doc.provenance;
    if (pb.fingerprint != pc.fingerprint) {
        auto diffs = hardware_differences(pb, pc);
        if (!o.allow_different_hardware) {
            std::string list;
            for (const auto& d : diffs)
                list += (list.empty() ? "" : "; ") + d.field + " '" + d.baseline + "' vs '" +
                        d.candidate + "'";
            if (list.empty()) list = "fingerprint " + pb.fingerprint + " vs " + pc.fingerprint;
            throw UsageError("the runs were measured on different hardware (" + list +
                             "); pass --allow-different-hardware to compare anyway");
        }
        if (diffs.empty()) diffs.push_back({"fingerprint", pb.fingerprint, pc.fingerprint});
        ctx.hardware_diffs = diffs;
    }

    CompareOptions co = o.compare;
    co.drop_flagged = !o.keep_flagged;
    Comparison c = compare_results(base.doc, cand.doc, co);
    std::string
        history;  // the run-to-run spread of each case, from the store (track/run_spread.hpp)
    if (o.min_history > 0) {
        std::set<std::int64_t> exclude;
        if (cand.info) exclude.insert(cand.info->id);
        try {
            history = apply_run_spread(c, learn_run_spread(resolver.store().case_rows(),
                                                           pc.fingerprint, exclude, o.min_history));
        } catch (const UsageError& e) {
            history = std::string("run-to-run spread unknown (") + e.what() + ")";
        }
    }

    const std::string md = o.markdown_path.empty() ? "" : check_markdown(c, ctx);
    if (o.markdown_path == "-") {
        io.out << md;
    } else if (o.json_path != "-") {
        print_check_text(io.out, c, ctx);
        if (!history.empty()) io.out << "History: " << history << "\n";
    }
    if (o.markdown_path != "-") write_output(o.markdown_path, md, io.out);
    if (!o.json_path.empty()) {
        auto j = check_to_json(c, ctx);
        j["history"] = history;
        j["elapsed_s"] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        write_output(o.json_path, j.dump(2) + "\n", io.out);
    }
    return c.exit_code();
}

}  // namespace

void register_check(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<CheckCliOptions>();
    CLI::App* sub = app.add_subcommand("check",
                                       "Compare a run with a baseline: FASTER/SLOWER/SAME/NOISY "
                                       "per case; exit 1 when any is confirmed slower");
    sub->add_option("--baseline", o->baseline,
                    "Run id, git SHA (prefix) or tag recorded with runs, or a result file")
        ->required();
    sub->add_option("--candidate", o->candidate,
                    "Same forms as --baseline (default: latest recorded run)");
    sub->add_option("--db", o->db,
                    "Results store (default: $FLOPMETER_DB, else flopmeter.db here)");
    sub->add_option("--min-effect", o->compare.min_effect,
                    "Smallest change of the median time that counts (default 0.03)");
    sub->add_option("--fdr", o->compare.fdr,
                    "False discovery rate across the suite, Benjamini-Hochberg (default 0.05)");
    sub->add_flag(
        "--allow-different-hardware", o->allow_different_hardware,
        "Compare runs whose hardware fingerprints differ (the differing fields are listed)");
    sub->add_flag("--keep-flagged", o->keep_flagged,
                  "Keep samples taken while the clock probe read slowed");
    sub->add_option("--markdown", o->markdown_path,
                    "Write a Markdown report (PR comment) to FILE ('-': standard output)");
    sub->add_option("--json", o->json_path,
                    "Write the comparison as JSON to FILE ('-': standard output)");
    sub->add_option("--lock-timeout", o->lock_timeout_s,
                    "Seconds to wait for a busy store (default 10)");
    sub->add_option("--min-history", o->min_history,
                    "Earlier runs of a case on this hardware needed to learn its run-to-run "
                    "spread; a change within "
                    "it is NOISY (default 5; 0: off)");
    sub->callback([o, io, &action] { action = [o, io] { return run_check(*o, io); }; });
}

}  // namespace flopmeter
