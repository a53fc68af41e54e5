// One A/B session (flopmeter ab): two executables, each a flopmeter binary (run as
// `X bench ARGS --json FILE`) or a Google Benchmark binary (one case per run through
// --benchmark_filter, JSON on stdout), measured alternately on the randomized interleaved
// schedule of track/ab_schedule.hpp, or both at once on two cores (duet). A flopmeter side runs
// a whole bench command per visit (ARGS choose shapes, not single cases; several commands are
// separated by "::" and interleaved as units), or, kept running as `X serve`, each of the
// suite's cases on its own (`--case NAME`) once a first visit has listed them; a Google
// Benchmark side runs one case per visit, so its cases are interleaved individually.
//
// What comes out: per case and round one time per side (a low quantile of that visit's samples),
// each side's samples pooled over the rounds as a results document (for the store), and which
// cases failed or were missing on a side.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "measure/result_json.hpp"
#include "track/ab_analysis.hpp"

namespace flopmeter {

enum class AbSideKind { flopmeter, google_benchmark };
std::string ab_side_kind_name(AbSideKind k);

struct AbSide {
    std::string path;
    std::string role;                                      // "baseline" or "candidate"
    std::vector<std::pair<std::string, std::string>> env;  // extra environment for this side only
    AbSideKind kind = AbSideKind::flopmeter;
};

// Which kind of executable `path` is: `X --version` printing "flopmeter ..." is flopmeter;
// `X --benchmark_list_tests=true` exiting 0 is Google Benchmark. Throws UsageError otherwise.
AbSideKind detect_ab_side_kind(const std::string& path, double timeout_s = 30);

struct AbSessionOptions {
    std::vector<std::string> args;  // after `--`: bench ARGS, or Google Benchmark flags/filter
    int rounds = 60;                // at most; `time_limit_s` may end the session after fewer
    // Seconds the rounds may take (0: no limit): no round is started that the rounds so far say
    // would end past it, once `min_rounds` are done. The limit looks at the clock only, never at
    // the times measured, so stopping there favours neither side.
    double time_limit_s = 150;
    int min_rounds = 10;
    // Leave out visits the probes found disturbed (all but a few samples flagged) instead of
    // timing them on all their samples, and run up to `extra_rounds` more rounds for units with
    // such visits, until every case has `rounds` paired rounds.
    bool drop_disturbed = false;
    int extra_rounds = 5;
    bool duet = false;
    // flopmeter sides (not duet): keep each side running as `X serve` and pair single cases
    // (`bench ... --case NAME`) instead of starting a process per suite and visit. A side that
    // does not know `serve` (an older flopmeter) is run a process per visit.
    bool serve = true;
    // Served sides: both servers are stopped and started afresh every this many rounds (0:
    // never), so state that lasts a process's life varies between epochs instead of biasing the
    // whole session; the test then runs on epochs (track/ab_analysis.hpp).
    int restart_every = 5;
    std::uint64_t seed = 0;
    double visit_quantile = 0.2;  // a visit's time: this quantile of its samples
    double case_budget_s = 0.05;  // flopmeter sides: --budget unless ARGS give one
    // flopmeter sides: --warmup unless ARGS give one, when both sides know the flag (a served
    // side's case was warmed at an earlier visit; a few ms re-warm the caches the other side
    // used). Negative: leave the sides' own default.
    double case_warmup_s = 0.01;
    int gbench_repetitions = 10;  // Google Benchmark sides, unless ARGS give them
    double gbench_min_time_s = 0.01;
    double run_timeout_s = 600;                        // one visit of one side
    std::string workdir;                               // scratch files (created by the caller)
    std::function<void(const std::string&)> progress;  // one line per round (optional)
};

struct AbSession {
    AbSide baseline, candidate;
    std::vector<AbCaseInput> cases;  // the cases both sides know, baseline order
    std::vector<int> threads;        // per case, the threads it ran with (1 when unknown)
    std::vector<int> disturbed;      // per case, visits left out (both sides): probes flagged them
    int rounds_run = 0;              // rounds run before extra rounds (time_limit_s may cut them)
    int extra_rounds = 0;            // rounds run beyond rounds_run
    bool drop_disturbed = false;     // AbSessionOptions::drop_disturbed
    ResultsDocument baseline_doc, candidate_doc;  // samples pooled over the rounds
    std::vector<std::string> missing, only_candidate, failed;
    std::vector<int> cpus;  // duet: the two CPUs used
    bool served = false;    // both sides ran as servers, one case per visit
    int epochs = 0;         // served: pairs of server processes the rounds ran in
    double restart_s = 0;   // served: seconds spent stopping and starting servers between epochs
    double warmup_s = -1;   // the --warmup both flopmeter sides were given; negative: none
    double wall_s = 0;
};

// Throws UsageError for bad input: sides of different kinds, a side that rejects ARGS (exit 2
// in its first run), no case in common, duet with multi-threaded cases or fewer than 2 CPUs.
AbSession run_ab_session(AbSide baseline, AbSide candidate, const AbSessionOptions& o);

}  // namespace flopmeter
