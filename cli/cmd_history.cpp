// `flopmeter history`: each case over time with change points; optional plots through
// scripts/plot_history.py; `--runs` lists the stored runs.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/text_table.hpp"
#include "track/history.hpp"
#include "track/run_ref.hpp"

namespace flopmeter {

namespace {

struct HistoryCliOptions {
    std::string pattern, db, json_path, plot_prefix, metric = "time";
    ChangePointOptions cp;
    int min_segment = 3;
    bool list_runs = false;
    double lock_timeout_s = 10;
};

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

bool readable(const std::string& p) {
    return ::access(p.c_str(), R_OK) == 0;
}

// The plotting script: $FLOPMETER_SCRIPTS, the source tree this binary was built from, or
// ../scripts next to the binary.
std::string find_plot_script() {
    std::vector<std::string> dirs;
    if (const char* e = std::getenv("FLOPMETER_SCRIPTS")) dirs.push_back(e);
#ifdef FLOPMETER_SOURCE_DIR
    dirs.push_back(std::string(FLOPMETER_SOURCE_DIR) + "/scripts");
#endif
    char exe[4096];
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        std::string d(exe, std::size_t(n));
        d = d.substr(0, d.rfind('/'));
        dirs.push_back(d + "/../scripts");
        dirs.push_back(d + "/scripts");
    }
    for (const auto& d : dirs)
        if (readable(d + "/plot_history.py")) return d + "/plot_history.py";
    throw UsageError(
        "scripts/plot_history.py not found; set FLOPMETER_SCRIPTS to the folder holding it");
}

int list_runs(Store& s, Io io) {
    Table t({"run", "date (UTC)", "git", "tag", "host", "source", "cases", "fingerprint"});
    for (const auto& r : s.runs())
        t.add_row({std::to_string(r.id), r.date_utc, r.git_sha.substr(0, 12), r.tag, r.hostname,
                   r.source, std::to_string(r.cases), r.fingerprint});
    if (t.empty())
        io.out << "No runs recorded yet.\n";
    else
        t.print(io.out);
    return 0;
}

int run_history(HistoryCliOptions o, Io io_in) {
    check_output_paths({o.json_path});
    Io io{text_stream(io_in, {o.json_path}), io_in.err};  // text to stderr when data goes to stdout
    std::ostream& data_out = io_in.out;
    if (o.min_segment < 1) throw UsageError("--min-segment must be at least 1");
    if (o.metric != "time" && o.metric != "gflops")
        throw UsageError("unknown --metric '" + o.metric + "' (valid: time, gflops)");
    o.cp.min_segment = std::size_t(o.min_segment);
    const std::string plot_script = o.plot_prefix.empty() ? "" : find_plot_script();
    if (!o.plot_prefix.empty()) check_writable_path(o.plot_prefix + ".png");
    StoreOptions so;
    so.read_only = true;  // a reading command: works on a store it cannot write
    so.busy_timeout_ms = int(o.lock_timeout_s * 1000);
    const std::string db = o.db.empty() ? default_db_path() : o.db;
    Store store = Store::open(db, so);
    if (o.list_runs) return list_runs(store, io);

    const auto series = build_history(store.case_rows(), o.pattern, o.cp);
    if (series.empty())
        throw UsageError(o.pattern.empty() ? "no timed case recorded in " + db
                                           : "no recorded case matches '" + o.pattern +
                                                 "' (list runs with --runs)");
    for (const auto& s : series) {
        io.out << s.name << "  [" << s.hostname << ", fingerprint " << s.fingerprint << "]  "
               << s.points.size() << " run(s), noise " << fmt_fixed(100.0 * s.changes.sigma, 2)
               << "%\n";
        Table t({"run", "date (UTC)", "git", "median", "CI95", "n", "change"});
        std::size_t next_cp = 0;
        for (std::size_t i = 0; i < s.points.size(); ++i) {
            const auto& p = s.points[i];
            std::string mark;
            if (next_cp < s.changes.at.size() && s.changes.at[next_cp] == i) {
                const double ratio = std::exp(s.changes.segments[next_cp + 1].level -
                                              s.changes.segments[next_cp].level);
                mark = "<- change " + fmt_change(ratio);
                ++next_cp;
            }
            t.add_row({std::to_string(p.run.id), p.run.date_utc, p.run.git_sha.substr(0, 10),
                       fmt_time(p.median), fmt_time(p.ci_low) + " .. " + fmt_time(p.ci_high),
                       std::to_string(p.n), mark});
        }
        t.print(io.out);
        io.out << (s.changes.at.empty() ? "No change point"
                                        : std::to_string(s.changes.at.size()) + " change point(s)")
               << " (min segment " << o.cp.min_segment << " runs, min step "
               << fmt_sig(100.0 * o.cp.min_step, 3) << "%)\n\n";
    }
    const auto j = history_to_json(series, o.cp);
    if (!o.json_path.empty()) write_output(o.json_path, j.dump(2) + "\n", data_out);
    if (!o.plot_prefix.empty()) {
        // The script reads the JSON from a file next to the plots.
        const std::string tmp = o.plot_prefix + ".history.json";
        write_output(tmp, j.dump() + "\n", data_out);
        const std::string cmd = "python3 " + shell_quote(plot_script) + " " + shell_quote(tmp) +
                                " --out " + shell_quote(o.plot_prefix) + " --metric " + o.metric;
        const int rc = std::system(cmd.c_str());
        if (rc != 0)
            throw UsageError("plotting failed (" + cmd +
                             "); it needs python3 with matplotlib (scripts/install-deps.sh)");
        io.out << "Plots written to " << o.plot_prefix << ".png and " << o.plot_prefix << ".svg\n";
    }
    return 0;
}

}  // namespace

void register_history(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<HistoryCliOptions>();
    CLI::App* sub = app.add_subcommand(
        "history", "Cases over time with change points; plots; --runs lists runs");
    sub->add_option("--case", o->pattern,
                    "Cases to show: glob (gemm/own/*) or substring (default: all)");
    sub->add_option("--db", o->db,
                    "Results store (default: $FLOPMETER_DB, else flopmeter.db here)");
    sub->add_flag("--runs", o->list_runs, "List the stored runs instead");
    sub->add_option("--min-segment", o->min_segment,
                    "Runs a level must last to count as a change (default 3)");
    sub->add_option("--penalty", o->cp.penalty,
                    "Penalty per change point in noise-variance units (default 3 ln n)");
    sub->add_option("--min-step", o->cp.min_step,
                    "Smallest relative level change reported (default 0.03)");
    sub->add_option("--json", o->json_path, "Write the history as JSON to FILE");
    sub->add_option("--plot", o->plot_prefix,
                    "Write PREFIX.png and PREFIX.svg (python3 + matplotlib)");
    sub->add_option("--metric", o->metric, "Plot time (default) or gflops");
    sub->add_option("--lock-timeout", o->lock_timeout_s,
                    "Seconds to wait for a busy store (default 10)");
    sub->callback([o, io, &action] { action = [o, io] { return run_history(*o, io); }; });
}

}  // namespace flopmeter
