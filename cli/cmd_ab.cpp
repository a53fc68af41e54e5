// `flopmeter ab BASELINE CANDIDATE [-- ARGS]`: compare two executables in one session on this
// machine, interleaved in randomized order (or side by side, --duet), with a paired test per
// case. A CI gate: exit 1 on a confirmed SLOWER, a failed or a missing case; 0 otherwise; 2 on
// bad input.
#include <filesystem>
#include <memory>
#include <random>

#include "cli/ab_report.hpp"
#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "track/ab_analysis.hpp"
#include "track/ab_session.hpp"
#include "track/record.hpp"
#include "track/store.hpp"

namespace flopmeter {

namespace {

struct AbCliOptions {
    std::string baseline, candidate;
    std::vector<std::string> args;
    std::vector<std::string> baseline_env, candidate_env;
    AbSessionOptions session;
    AbOptions stats;
    std::int64_t seed = -1;
    std::string markdown_path, json_path, db, tag;
    bool no_record = false, quiet = false, keep_files = false;
};

std::vector<std::pair<std::string, std::string>> parse_env(const std::vector<std::string>& v,
                                                           const char* flag) {
    std::vector<std::pair<std::string, std::string>> r;
    for (const auto& s : v) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError(std::string(flag) + " wants NAME=VALUE, got '" + s + "'");
        r.emplace_back(s.substr(0, eq), s.substr(eq + 1));
    }
    return r;
}

// A scratch directory removed when the command ends (unless kept for debugging).
struct ScratchDir {
    std::string path;
    bool keep = false;
    ScratchDir() {
        std::string t = (std::filesystem::temp_directory_path() / "flopmeter-ab-XXXXXX").string();
        if (!::mkdtemp(t.data())) throw UsageError("cannot create a scratch directory under " + t);
        path = t;
    }
    ~ScratchDir() {
        std::error_code ec;
        if (!keep) std::filesystem::remove_all(path, ec);
    }
};

int run_ab(AbCliOptions o, Io io) {
    if (!o.markdown_path.empty() && o.markdown_path != "-") check_writable_path(o.markdown_path);
    if (!o.json_path.empty() && o.json_path != "-") check_writable_path(o.json_path);
    if (o.session.rounds < 1) throw UsageError("--rounds must be at least 1");
    if (!(o.session.case_budget_s > 0)) throw UsageError("--budget must be positive");
    if (!(o.session.case_warmup_s >= 0)) throw UsageError("--warmup must be >= 0 seconds");
    if (!(o.session.time_limit_s >= 0))
        throw UsageError("--time-limit must be >= 0 seconds (0: none)");
    AbSide base{o.baseline, "baseline", parse_env(o.baseline_env, "--baseline-env"), {}};
    AbSide cand{o.candidate, "candidate", parse_env(o.candidate_env, "--candidate-env"), {}};
    const std::string db = o.db.empty() ? default_db_path() : o.db;
    o.session.args = o.args;
    o.session.seed = o.seed >= 0
                         ? std::uint64_t(o.seed)
                         : std::uint64_t(std::random_device{}()) << 16 ^ std::random_device{}();
    // A store that cannot take the runs is bad input before minutes of measuring, not after.
    if (!o.no_record) {
        StoreOptions so;
        so.create = true;
        Store::open(db, so);
    }
    ScratchDir scratch;
    scratch.keep = o.keep_files;
    o.session.workdir = scratch.path;
    if (!o.quiet)
        o.session.progress = [io](const std::string& line) {
            io.err << "ab: " << line << std::endl;
        };

    const AbSession s = run_ab_session(base, cand, o.session);
    AbAnalysis a = analyse_ab(s.cases, o.stats);
    a.missing = s.missing;
    a.failed = s.failed;
    a.only_candidate = s.only_candidate;

    AbRunInfo info;
    info.seed = o.session.seed;
    info.rounds = o.session.rounds;
    info.time_limit_s = o.session.time_limit_s;
    info.duet = o.session.duet;
    info.quantile = o.session.visit_quantile;
    if (!o.no_record) {
        info.db = db;
        RecordOptions ro;
        ro.tag = (o.tag.empty() ? "ab" : o.tag) + ":baseline";
        info.baseline_run_id = record_results(s.baseline_doc, db, ro).run_id;
        ro.tag = (o.tag.empty() ? "ab" : o.tag) + ":candidate";
        info.candidate_run_id = record_results(s.candidate_doc, db, ro).run_id;
    }

    const std::string md = o.markdown_path.empty() ? "" : ab_markdown(s, a, info);
    if (o.markdown_path == "-") {
        io.out << md;
    } else if (o.json_path != "-") {
        print_ab_text(io.out, s, a, info);
    }
    if (!o.markdown_path.empty() && o.markdown_path != "-") write_file_atomic(o.markdown_path, md);
    if (!o.json_path.empty()) {
        const auto j = ab_to_json(s, a, info);
        if (o.json_path == "-")
            io.out << j.dump(2) << "\n";
        else
            write_file_atomic(o.json_path, j.dump(2) + "\n");
    }
    return a.exit_code();
}

}  // namespace

void register_ab(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<AbCliOptions>();
    CLI::App* sub = app.add_subcommand("ab",
                                       "Compare two executables in one session (randomized "
                                       "interleaved rounds, paired test per case); exit 1 "
                                       "on a confirmed SLOWER, a failed or a missing case");
    sub->add_option("baseline", o->baseline,
                    "Baseline executable: flopmeter or a Google Benchmark binary")
        ->required();
    sub->add_option("candidate", o->candidate, "Candidate executable, of the same kind")
        ->required();
    sub->add_option("args", o->args,
                    "After '--': for flopmeter sides the bench arguments (gemm --size 256 ...), "
                    "for Google Benchmark "
                    "sides its flags (--benchmark_filter=...)");
    sub->add_option("--rounds", o->session.rounds,
                    "Rounds at most: every case is measured once per side per round (default 60)");
    sub->add_option("--time-limit", o->session.time_limit_s,
                    "Seconds the rounds may take: no round starts that would end past it, once 10 "
                    "are done (default 150; 0: run all --rounds)");
    sub->add_flag("--drop-disturbed", o->session.drop_disturbed,
                  "Leave out visits whose samples the probes flagged (a vCPU taken, shared or "
                  "slowed) and run their units again, up to --extra-rounds");
    sub->add_option("--extra-rounds", o->session.extra_rounds,
                    "With --drop-disturbed: rounds run again, at most, until every case has "
                    "--rounds paired rounds (default 5)");
    sub->add_flag(
        "--no-serve", [o](std::int64_t n) { o->session.serve = n == 0; },
        "flopmeter sides: start a process per suite and visit instead of keeping each side "
        "running (serve) and pairing single cases");
    sub->add_option("--restart-every", o->session.restart_every,
                    "Kept-running sides: start both afresh every N rounds, so what lasts a "
                    "process's life varies between epochs; the test runs on epochs (default 5; 0: "
                    "never, the test runs on rounds)")
        ->check(CLI::NonNegativeNumber);
    sub->add_flag("--duet", o->session.duet,
                  "Run both sides at once, one core each (single-threaded cases only)");
    sub->add_option("--seed", o->seed,
                    "Seed of the randomized schedule (default: random, reported)");
    sub->add_option("--min-effect", o->stats.min_effect,
                    "Smallest change of the time ratio that counts (default 0.03)");
    sub->add_option("--fdr", o->stats.fdr,
                    "False discovery rate across the cases, Benjamini-Hochberg (default 0.05)");
    sub->add_option("--quantile", o->session.visit_quantile,
                    "A visit's time per case: this quantile of its samples (default 0.2: "
                    "interference only adds time)");
    sub->add_option("--budget", o->session.case_budget_s,
                    "flopmeter sides: seconds of sampling per case per round, unless ARGS give "
                    "--budget (default 0.05)");
    sub->add_option("--warmup", o->session.case_warmup_s,
                    "flopmeter sides: seconds of warm-up per case per visit, unless ARGS give "
                    "--warmup; given only when both sides take the flag (default 0.01)");
    sub->add_option("--repetitions", o->session.gbench_repetitions,
                    "Google Benchmark sides: repetitions per case per round, unless ARGS give them "
                    "(default 10)");
    sub->add_option("--min-time", o->session.gbench_min_time_s,
                    "Google Benchmark sides: --benchmark_min_time per repetition, unless ARGS give "
                    "it (default 0.01)");
    // One value per occurrence: a vector option would swallow the "--" and the side's ARGS.
    sub->add_option("--baseline-env", o->baseline_env,
                    "NAME=VALUE set for the baseline only (repeatable)")
        ->allow_extra_args(false);
    sub->add_option("--candidate-env", o->candidate_env,
                    "NAME=VALUE set for the candidate only (repeatable; e.g. "
                    "FLOPMETER_TEST_SLOWDOWN=gemm:0.05)")
        ->allow_extra_args(false);
    sub->add_option("--timeout", o->session.run_timeout_s,
                    "Seconds one run of one side may take (default 600)");
    sub->add_option("--markdown", o->markdown_path,
                    "Write a Markdown report (PR comment) to FILE ('-': standard output)");
    sub->add_option("--json", o->json_path,
                    "Write the comparison as JSON to FILE ('-': standard output)");
    sub->add_option("--db", o->db,
                    "Results store the two pooled runs are recorded in (default $FLOPMETER_DB or "
                    "./flopmeter.db)");
    sub->add_option("--tag", o->tag,
                    "Tag prefix of the recorded runs (TAG:baseline, TAG:candidate; default ab)");
    sub->add_flag("--no-record", o->no_record, "Do not record the runs in the store");
    sub->add_flag("--quiet", o->quiet, "No progress lines on standard error");
    sub->add_flag("--keep-files", o->keep_files,
                  "Keep the scratch directory with every run's output");
    sub->callback([o, io, &action] { action = [o, io] { return run_ab(*o, io); }; });
}

}  // namespace flopmeter
