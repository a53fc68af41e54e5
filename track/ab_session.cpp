#include "track/ab_session.hpp"

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "core/error.hpp"
#include "measure/stats.hpp"
#include "track/ab_process.hpp"
#include "track/ab_schedule.hpp"
#include "track/gbench_import.hpp"

namespace flopmeter {

std::string ab_side_kind_name(AbSideKind k) {
    return k == AbSideKind::flopmeter ? "flopmeter" : "google-benchmark";
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool has_flag(const std::vector<std::string>& args, const std::string& flag) {
    for (const auto& a : args)
        if (a == flag || a.rfind(flag + "=", 0) == 0) return true;
    return false;
}

std::string regex_escape(const std::string& s) {
    std::string r;
    for (char c : s) {
        if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) r += '\\';
        r += c;
    }
    return r;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> v;
    std::istringstream s(text);
    for (std::string l; std::getline(s, l);)
        if (!l.empty() && l.find_first_not_of(" \t\r") != std::string::npos) v.push_back(l);
    return v;
}

// What one side accumulates over the rounds.
struct CaseAcc {
    CaseResult pooled;
    bool have = false;
    std::vector<double> per_round;
    int disturbed = 0;    // visits left out: the probes flagged all but a few of their samples
    std::string failure;  // first reason the case produced no time, "" when it always did
};

struct SideAcc {
    std::map<std::string, CaseAcc> cases;
    std::vector<std::string> order;
    ResultsDocument first;  // provenance and warnings of the first successful visit
    bool have_doc = false;

    CaseAcc& at(const std::string& name, int rounds) {
        auto [it, fresh] = cases.try_emplace(name);
        if (fresh) order.push_back(name);
        if (it->second.per_round.size() < std::size_t(rounds))
            it->second.per_round.resize(std::size_t(rounds), kNaN);
        return it->second;
    }
};

// A visit's time: the q-quantile of its samples (default 0.2: interference on a shared machine
// only adds time, so a low quantile follows the kernel and not the neighbours), leaving out
// samples flagged as taken while a core was slowed, shared or descheduled, or a thread stalled:
// contention inside one visit is not paired away by the other side. A visit with fewer than 3
// unflagged samples (or fewer than half, for a few Google Benchmark repetitions): with `drop`
// (--drop-disturbed) it has no time (NaN) and the round is run again if extra rounds are
// allowed; without, all its samples count (the flags on this project's VM are too often false
// to throw visits away by default, see docs/tracking.md). The flags come from the probes and the
// per-thread times, never from the kernel's own times, so leaving a visit out favours neither side.
double round_time(const Measurement& m, double q, bool drop) {
    std::vector<double> v;
    for (std::size_t i = 0; i < m.samples.size(); ++i)
        if (std::find(m.flagged.begin(), m.flagged.end(), std::int64_t(i)) == m.flagged.end())
            v.push_back(m.samples[i]);
    if (v.size() < m.samples.size() &&
        double(v.size()) < std::min(3.0, 0.5 * double(m.samples.size()))) {
        if (drop) return kNaN;
        v = m.samples;
    }
    std::sort(v.begin(), v.end());
    return quantile_sorted(v, q);
}

void absorb(SideAcc& acc, const ResultsDocument& doc, int round, int rounds, double q, bool drop) {
    if (!acc.have_doc) {
        acc.first.provenance = doc.provenance;
        acc.first.warnings = doc.warnings;
        acc.have_doc = true;
    }
    for (const auto& r : doc.results) {
        CaseAcc& c = acc.at(r.name, rounds);
        if (r.status != CaseStatus::ok || r.measurement.samples.empty()) {
            if (c.failure.empty())
                c.failure =
                    r.status != CaseStatus::ok
                        ? case_status_name(r.status) + (r.error.empty() ? "" : " (" + r.error + ")")
                        : "no samples";
            continue;
        }
        const double t = round_time(r.measurement, q, drop);
        c.per_round[std::size_t(round)] = t;
        if (!std::isfinite(t)) ++c.disturbed;
        if (!c.have) {
            c.pooled = r;
            c.have = true;
            continue;
        }
        Measurement& m = c.pooled.measurement;
        const auto offset = std::int64_t(m.samples.size());
        for (auto f : r.measurement.flagged) m.flagged.push_back(f + offset);
        m.samples.insert(m.samples.end(), r.measurement.samples.begin(),
                         r.measurement.samples.end());
        m.stats = summarize(m.samples);
        m.elapsed_s += r.measurement.elapsed_s;
        for (const auto& w : r.warnings)
            if (std::find(c.pooled.warnings.begin(), c.pooled.warnings.end(), w) ==
                c.pooled.warnings.end())
                c.pooled.warnings.push_back(w);
        c.pooled.contended = c.pooled.contended || r.contended;
    }
}

void fail_cases(SideAcc& acc, const std::vector<std::string>& names, const std::string& why,
                int rounds) {
    for (const auto& n : names) {
        CaseAcc& c = acc.at(n, rounds);
        if (c.failure.empty()) c.failure = why;
    }
}

ResultsDocument pooled_doc(const SideAcc& acc) {
    ResultsDocument d;
    d.provenance = acc.first.provenance;
    d.warnings = acc.first.warnings;
    for (const auto& n : acc.order) {
        const CaseAcc& c = acc.cases.at(n);
        if (c.have && c.failure.empty()) {
            d.results.push_back(c.pooled);
        } else {
            CaseResult r = c.have ? c.pooled : CaseResult{};
            r.name = n;
            r.measurement = {};
            r.status = c.failure.rfind("validation_failed", 0) == 0 ? CaseStatus::validation_failed
                                                                    : CaseStatus::error;
            r.error = c.failure.empty() ? "no time" : c.failure;
            d.results.push_back(r);
        }
    }
    return d;
}

class Runner {
  public:
    Runner(const AbSessionOptions& o, double warmup_s) : o_(o), warmup_s_(warmup_s) {}

    ChildSpec spec(const AbSide& s, const std::vector<std::string>& args,
                   const std::string& case_name, int cpu, const std::string& tag) const {
        ChildSpec c;
        c.env = s.env;
        c.cpu = cpu;
        c.stderr_path = o_.workdir + "/" + tag + ".err";
        const std::string out = o_.workdir + "/" + tag + ".json";
        c.argv.push_back(s.path);
        if (s.kind == AbSideKind::flopmeter) {
            c.argv.push_back("bench");
            c.argv.insert(c.argv.end(), args.begin(), args.end());
            if (!has_flag(args, "--budget")) {
                std::ostringstream b;
                b << o_.case_budget_s;
                c.argv.insert(c.argv.end(), {"--budget", b.str()});
            }
            if (warmup_s_ >= 0 && !has_flag(args, "--warmup")) {
                std::ostringstream w;
                w << warmup_s_;
                c.argv.insert(c.argv.end(), {"--warmup", w.str()});
            }
            c.argv.insert(c.argv.end(), {"--json", out});
            c.stdout_path = o_.workdir + "/" + tag + ".out";
        } else {
            for (const auto& a : args)
                if (a.rfind("--benchmark_filter", 0) != 0 &&
                    a.rfind("--benchmark_format", 0) != 0 && a.rfind("--benchmark_out", 0) != 0)
                    c.argv.push_back(a);
            c.argv.push_back("--benchmark_filter=^" + regex_escape(case_name) + "$");
            c.argv.push_back("--benchmark_format=json");
            if (!has_flag(args, "--benchmark_repetitions"))
                c.argv.push_back("--benchmark_repetitions=" +
                                 std::to_string(o_.gbench_repetitions));
            if (!has_flag(args, "--benchmark_min_time")) {
                std::ostringstream b;
                b << o_.gbench_min_time_s;
                c.argv.push_back("--benchmark_min_time=" + b.str());
            }
            c.stdout_path = out;
        }
        return c;
    }

    // The document a finished visit left, or the reason it left none.
    static bool collect(const AbSide& s, const ChildSpec& c, const ChildExit& e,
                        ResultsDocument& doc, std::string& why) {
        const std::string json_path =
            s.kind == AbSideKind::flopmeter ? c.argv.back() : c.stdout_path;
        const std::string err = last_line(read_text_file(c.stderr_path));
        // flopmeter exits 1 when a case failed validation; its results file says which.
        const bool exit_ok = !e.timed_out && !e.signaled &&
                             (e.code == 0 || (e.code == 1 && s.kind == AbSideKind::flopmeter));
        if (exit_ok) {
            try {
                const std::string text = read_text_file(json_path);
                if (s.kind == AbSideKind::flopmeter) {
                    doc = results_from_json_string(text);
                } else {
                    doc = gbench_to_results(parse_gbench_json(text));
                }
                return true;
            } catch (const std::exception& x) {
                why = std::string("unreadable output (") + x.what() + ")";
                return false;
            }
        }
        why = e.describe() + (err.empty() ? "" : ": " + err);
        return false;
    }

  private:
    const AbSessionOptions& o_;
    double warmup_s_;
};

std::vector<std::string> gbench_list(const AbSide& s, const AbSessionOptions& o) {
    ChildSpec c;
    c.env = s.env;
    c.argv.push_back(s.path);
    for (const auto& a : o.args)
        if (a.rfind("--benchmark_format", 0) != 0 && a.rfind("--benchmark_out", 0) != 0)
            c.argv.push_back(a);
    c.argv.push_back("--benchmark_list_tests=true");
    c.stdout_path = o.workdir + "/list-" + s.role + ".txt";
    c.stderr_path = o.workdir + "/list-" + s.role + ".err";
    const ChildExit e = run_child(c, 60);
    if (!e.ok())
        throw UsageError(s.role + " '" + s.path +
                         "' could not list its benchmarks with these arguments (" + e.describe() +
                         "): " + last_line(read_text_file(c.stderr_path)));
    return lines_of(read_text_file(c.stdout_path));
}

// Whether a flopmeter binary's `bench gemm` takes `flag` (its --help names it): an older
// build compared against a newer one may not.
bool flopmeter_bench_takes(const std::string& path, const std::string& flag,
                           double timeout_s = 30) {
    ChildSpec h;
    h.argv = {path, "bench", "gemm", "--help"};
    char tmpl[] = "/tmp/flopmeter-ab-help-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    if (fd < 0) return false;
    ::close(fd);
    h.stdout_path = tmpl;
    const ChildExit e = run_child(h, timeout_s);
    const std::string text = read_text_file(tmpl);
    ::unlink(tmpl);
    return e.ok() && text.find(flag) != std::string::npos;
}

}  // namespace

AbSideKind detect_ab_side_kind(const std::string& path, double timeout_s) {
    ChildSpec g;
    g.argv = {path, "--benchmark_list_tests=true", "--benchmark_filter=^$"};
    const ChildExit ge = run_child(g, timeout_s);
    ChildSpec v;
    v.argv = {path, "--version"};
    char tmpl[] = "/tmp/flopmeter-ab-version-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    if (fd >= 0) ::close(fd);
    v.stdout_path = tmpl;
    const ChildExit ve = run_child(v, timeout_s);
    const std::string version = read_text_file(tmpl);
    ::unlink(tmpl);
    if (ve.ok() && version.rfind("flopmeter", 0) == 0) return AbSideKind::flopmeter;
    if (ge.ok()) return AbSideKind::google_benchmark;
    throw UsageError(
        "'" + path +
        "' is neither a flopmeter binary ('--version' prints \"flopmeter ...\") nor a Google "
        "Benchmark binary ('--benchmark_list_tests=true' succeeds)");
}

AbSession run_ab_session(AbSide base, AbSide cand, const AbSessionOptions& o) {
    if (o.rounds < 1) throw UsageError("--rounds must be at least 1");
    if (!(o.visit_quantile >= 0 && o.visit_quantile <= 1))
        throw UsageError("--quantile must be between 0 and 1");
    if (o.workdir.empty()) throw UsageError("A/B session without a scratch directory");
    const auto t0 = std::chrono::steady_clock::now();
    AbSession s;
    base.role = "baseline";
    cand.role = "candidate";
    base.kind = detect_ab_side_kind(base.path);
    cand.kind = detect_ab_side_kind(cand.path);
    if (base.kind != cand.kind)
        throw UsageError("the baseline is a " + ab_side_kind_name(base.kind) +
                         " binary and the candidate a " + ab_side_kind_name(cand.kind) +
                         " binary: ARGS cannot mean the same to both");
    s.baseline = base;
    s.candidate = cand;
    if (o.duet) {
        const auto cpus = allowed_cpus();
        if (cpus.size() < 2)
            throw UsageError("--duet needs two CPUs; this process may use " +
                             std::to_string(cpus.size()));
        s.cpus = {cpus[0], cpus[1]};
    }

    const bool gb = base.kind == AbSideKind::google_benchmark;
    // flopmeter sides: ARGS may hold several bench commands separated by "::", each a unit.
    std::vector<std::vector<std::string>> suites(1);
    for (const auto& a : o.args) {
        if (a == "::")
            suites.emplace_back();
        else
            suites.back().push_back(a);
    }
    if (gb && suites.size() > 1)
        throw UsageError(
            "'::' separates flopmeter bench commands; Google Benchmark sides take one set of "
            "flags");
    for (const auto& su : suites)
        if (!gb && su.empty())
            throw UsageError(
                "no bench command given after '--' (e.g. -- gemm --size 256 --threads 2)");
    std::vector<std::string> units;  // gbench: the cases both list; flopmeter: one unit per suite
    std::vector<std::vector<std::string>> unit_cases;  // flopmeter: the cases each suite produced
    SideAcc acc_b, acc_c;
    if (gb) {
        const auto lb = gbench_list(base, o), lc = gbench_list(cand, o);
        const std::set<std::string> sc(lc.begin(), lc.end()), sb(lb.begin(), lb.end());
        for (const auto& n : lb) (sc.count(n) ? units : s.missing).push_back(n);
        for (const auto& n : lc)
            if (!sb.count(n)) s.only_candidate.push_back(n);
        if (units.empty())
            throw UsageError("the baseline and the candidate have no benchmark in common");
    } else {
        units.assign(suites.size(), "");
        unit_cases.resize(suites.size());
    }
    std::vector<std::size_t> unit_suite(units.size());  // flopmeter: the suite a unit runs
    for (std::size_t u = 0; u < unit_suite.size(); ++u) unit_suite[u] = gb ? 0 : u;

    // Both sides get the same warm-up, or both keep their own default.
    if (!gb && o.case_warmup_s >= 0 && flopmeter_bench_takes(base.path, "--warmup") &&
        flopmeter_bench_takes(cand.path, "--warmup"))
        s.warmup_s = o.case_warmup_s;
    Runner runner(o, s.warmup_s);
    // Servers: both sides or neither (an older flopmeter does not know `serve`).
    ServedChild srv_b, srv_c;
    struct StopServers {
        ServedChild &b, &c;
        ~StopServers() {
            stop_served_child(b, 30);
            stop_served_child(c, 30);
        }
    } stop_servers{srv_b, srv_c};  // at the end, and when bad input ends the session early
    auto server_spec = [&](const AbSide& side, const char* tag) {
        ChildSpec c;
        c.env = side.env;
        c.argv = {side.path, "serve", "--reply-fd", "3"};
        c.stdout_path = o.workdir + "/serve-" + tag + ".out";
        c.stderr_path = o.workdir + "/serve-" + tag + ".err";
        return c;
    };
    if (!gb && !o.duet && o.serve) {
        srv_b = start_served_child(server_spec(base, "b"), 60);
        if (srv_b.running()) srv_c = start_served_child(server_spec(cand, "c"), 60);
        if (!srv_c.running()) {
            stop_served_child(srv_b, 30);
            if (o.progress)
                o.progress(
                    "a side does not run as `serve` (an older flopmeter): one process per visit");
        }
    }
    s.served = srv_b.running() && srv_c.running();
    // One command of a visit on a side's server; a server that died (a crashed case) is started
    // again for the next visit. The visit's error line is read from the server's stderr.
    auto request = [&](ServedChild& srv, const AbSide& side, const char* tag, ChildSpec& spec) {
        const ChildSpec server = server_spec(side, tag);
        spec.stderr_path = server.stderr_path;
        if (!srv.running()) srv = start_served_child(server, 60);
        return served_request(srv, std::vector<std::string>(spec.argv.begin() + 1, spec.argv.end()),
                              o.run_timeout_s);
    };

    // Served: a first visit of each suite on both sides lists its cases (and validates them);
    // then each case both sides produced is a unit of its own. A case only one side produced is
    // reported (missing or only in the candidate); a suite that failed on a side stays one unit.
    if (s.served) {
        std::vector<std::string> new_units;
        std::vector<std::vector<std::string>> new_cases;
        std::vector<std::size_t> new_suite;
        for (std::size_t u = 0; u < suites.size(); ++u) {
            const std::string tag = "list" + std::to_string(u);
            ChildSpec sb = runner.spec(base, suites[u], "", -1, tag + "-b"),
                      sc = runner.spec(cand, suites[u], "", -1, tag + "-c");
            const ChildExit eb = request(srv_b, base, "b", sb), ec = request(srv_c, cand, "c", sc);
            ResultsDocument db, dc;
            std::string why_b, why_c;
            const bool ok_b = Runner::collect(base, sb, eb, db, why_b),
                       ok_c = Runner::collect(cand, sc, ec, dc, why_c);
            for (auto [side, e, why] :
                 {std::tuple{&base, &eb, &why_b}, std::tuple{&cand, &ec, &why_c}})
                if (!e->timed_out && !e->signaled && e->code == 2)
                    throw UsageError("the " + side->role + " '" + side->path +
                                     "' rejected the arguments (" + *why + ")");
            if (!ok_b || !ok_c) {
                new_units.push_back("");
                new_cases.emplace_back();
                new_suite.push_back(u);
                continue;
            }
            std::set<std::string> in_c;
            for (const auto& r : dc.results) in_c.insert(r.name);
            std::set<std::string> in_b;
            for (const auto& r : db.results) {
                in_b.insert(r.name);
                if (!in_c.count(r.name)) {
                    acc_b.at(r.name, o.rounds);  // reported as missing in the candidate
                    continue;
                }
                new_units.push_back(r.name);
                new_cases.push_back({r.name});
                new_suite.push_back(u);
            }
            for (const auto& r : dc.results)
                if (!in_b.count(r.name)) acc_c.at(r.name, o.rounds);
        }
        units = std::move(new_units);
        unit_cases = std::move(new_cases);
        unit_suite = std::move(new_suite);
        if (o.progress)
            o.progress("sides kept running (serve): " + std::to_string(units.size()) +
                       " unit(s), single cases paired back to back");
    }
    int visit = 0;
    auto run_visit = [&](const AbStep& st) {
        const std::string& name = units[std::size_t(st.unit)];
        const std::string tag = std::to_string(visit++);
        int cpu_b = -1, cpu_c = -1;
        if (o.duet) {
            cpu_b = st.baseline_on_first_core ? s.cpus[0] : s.cpus[1];
            cpu_c = st.baseline_on_first_core ? s.cpus[1] : s.cpus[0];
        }
        std::vector<std::string> args = suites[unit_suite[std::size_t(st.unit)]];
        if (!gb && !name.empty()) args.insert(args.end(), {"--case", name});
        ChildSpec spec_b = runner.spec(base, args, name, cpu_b, tag + "-b"),
                  spec_c = runner.spec(cand, args, name, cpu_c, tag + "-c");
        ChildExit eb, ec;
        if (s.served) {
            if (st.baseline_first) {
                eb = request(srv_b, base, "b", spec_b);
                ec = request(srv_c, cand, "c", spec_c);
            } else {
                ec = request(srv_c, cand, "c", spec_c);
                eb = request(srv_b, base, "b", spec_b);
            }
        } else if (o.duet) {
            const pid_t pb = spawn_child(spec_b), pc = spawn_child(spec_c);
            eb = wait_child(pb, o.run_timeout_s);
            ec = wait_child(pc, o.run_timeout_s);
        } else if (st.baseline_first) {
            eb = run_child(spec_b, o.run_timeout_s);
            ec = run_child(spec_c, o.run_timeout_s);
        } else {
            ec = run_child(spec_c, o.run_timeout_s);
            eb = run_child(spec_b, o.run_timeout_s);
        }
        const int known = st.round + 1;
        for (auto [side, spec, e, acc] :
             {std::tuple{&base, &spec_b, &eb, &acc_b}, std::tuple{&cand, &spec_c, &ec, &acc_c}}) {
            ResultsDocument doc;
            std::string why;
            if (Runner::collect(*side, *spec, *e, doc, why)) {
                absorb(*acc, doc, st.round, known, o.visit_quantile, o.drop_disturbed);
                if (!gb)
                    for (const auto& r : doc.results) {
                        auto& uc = unit_cases[std::size_t(st.unit)];
                        if (name.empty() && std::find(uc.begin(), uc.end(), r.name) == uc.end())
                            uc.push_back(r.name);
                    }
                continue;
            }
            // A side that rejects the arguments on its first visit is bad input, not a failed case.
            if (st.round == 0 && !e->timed_out && !e->signaled && e->code == 2 && !acc->have_doc)
                throw UsageError("the " + side->role + " '" + side->path +
                                 "' rejected the arguments (" + why + ")");
            std::vector<std::string> names =
                gb ? std::vector<std::string>{name} : unit_cases[std::size_t(st.unit)];
            if (names.empty())
                names.push_back("(suite " + std::to_string(unit_suite[std::size_t(st.unit)] + 1) +
                                ": " + side->role + " produced no results)");
            fail_cases(*acc, names, why, known);
        }
        if (o.duet && st.round == 0 && !gb) {
            for (const auto* a : {&acc_b, &acc_c})
                for (const auto& [n, c] : a->cases)
                    if (c.have && c.pooled.threads > 1)
                        throw UsageError("--duet runs each side on one core: case '" + n +
                                         "' uses " + std::to_string(c.pooled.threads) +
                                         " threads (add --threads 1 to ARGS)");
        }
    };
    auto round_done = [&](int round, int of) {
        if (!o.progress) return;
        const double el =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        o.progress("round " + std::to_string(round + 1) + "/" + std::to_string(of) + " done, " +
                   std::to_string(int(el)) + " s");
    };
    const auto steps = make_ab_schedule(o.rounds, int(units.size()), o.seed);
    // Served: a fresh pair of servers every restart_every rounds (the order they start in a
    // coin flip); each round remembers its epoch.
    std::vector<int> round_epoch;
    int epoch = 0;
    std::mt19937_64 restart_coin(o.seed ^ 0x5851f42d4c957f2dull);
    auto restart_servers = [&] {
        const auto r0 = std::chrono::steady_clock::now();
        stop_served_child(srv_b, 30);
        stop_served_child(srv_c, 30);
        if (restart_coin() & 1) {
            srv_b = start_served_child(server_spec(base, "b"), 60);
            srv_c = start_served_child(server_spec(cand, "c"), 60);
        } else {
            srv_c = start_served_child(server_spec(cand, "c"), 60);
            srv_b = start_served_child(server_spec(base, "b"), 60);
        }
        ++epoch;
        s.restart_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();
    };
    int last_round = -1, rounds_run = 0;
    bool stopped = false;
    const auto rounds_t0 = std::chrono::steady_clock::now();
    for (const auto& st : steps) {
        if (st.round != last_round) {
            if (last_round >= 0) {
                round_done(last_round, o.rounds);
                rounds_run = last_round + 1;
                // Stop before a round the rounds so far say would end past the time limit.
                const double el =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - rounds_t0)
                        .count();
                const double since_start =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                if (o.time_limit_s > 0 && rounds_run >= o.min_rounds &&
                    since_start + el / rounds_run > o.time_limit_s) {
                    stopped = true;
                    break;
                }
            }
            last_round = st.round;
            if (s.served && o.restart_every > 0 && st.round > 0 && st.round % o.restart_every == 0)
                restart_servers();
            round_epoch.push_back(epoch);
        }
        run_visit(st);
        rounds_run = st.round + 1;
    }
    if (!stopped && last_round >= 0) round_done(last_round, o.rounds);
    s.rounds_run = rounds_run;

    // Extra rounds replace visits the probes found disturbed: a unit runs again (both sides,
    // the order a coin flip) while one of its cases has fewer paired rounds than asked for.
    auto paired = [&](const std::string& n) {
        const auto ib = acc_b.cases.find(n), ic = acc_c.cases.find(n);
        if (ib == acc_b.cases.end() || ic == acc_c.cases.end())
            return rounds_run;  // reported, not re-run
        int k = 0;
        const auto& b = ib->second.per_round;
        const auto& c = ic->second.per_round;
        for (std::size_t r = 0; r < std::min(b.size(), c.size()); ++r)
            k += std::isfinite(b[r]) && std::isfinite(c[r]);
        return k;
    };
    std::mt19937_64 coin(o.seed ^ 0x9e3779b97f4a7c15ull);
    int extra = 0;
    for (; extra < o.extra_rounds; ++extra) {
        std::vector<int> again;
        for (std::size_t u = 0; u < units.size(); ++u) {
            const std::vector<std::string> names =
                gb ? std::vector<std::string>{units[u]} : unit_cases[u];
            bool short_of = false;
            for (const auto& n : names) {
                const auto ib = acc_b.cases.find(n), ic = acc_c.cases.find(n);
                const bool failed = (ib != acc_b.cases.end() && !ib->second.failure.empty()) ||
                                    (ic != acc_c.cases.end() && !ic->second.failure.empty());
                short_of = short_of || (!failed && paired(n) < rounds_run);
            }
            if (short_of) again.push_back(int(u));
        }
        if (again.empty()) break;
        std::shuffle(again.begin(), again.end(), coin);
        const int round = rounds_run + extra;
        round_epoch.push_back(epoch);  // in the last epoch's servers
        for (int u : again) run_visit({round, u, bool(coin() & 1), bool(coin() & 1)});
        if (o.progress)
            o.progress(
                "extra round " + std::to_string(extra + 1) + " (" + std::to_string(again.size()) +
                " unit(s) with disturbed visits) done, " +
                std::to_string(int(
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count())) +
                " s");
    }
    s.extra_rounds = extra;
    s.drop_disturbed = o.drop_disturbed;
    const int total_rounds = rounds_run + extra;
    for (auto* a : {&acc_b, &acc_c})
        for (auto& [n, c] : a->cases) c.per_round.resize(std::size_t(total_rounds), kNaN);

    // A suite that produced nothing on a side before its cases were known fails as a whole.
    auto placeholder = [](const std::string& n) { return n.rfind("(suite ", 0) == 0; };
    for (const auto* a : {&acc_b, &acc_c})
        for (const auto& n : a->order)
            if (placeholder(n)) s.failed.push_back(n + ": " + a->cases.at(n).failure);
    // Cases: the baseline's order; missing and failed ones are reported, not tested.
    for (const auto& n : acc_b.order) {
        if (placeholder(n)) continue;
        const CaseAcc& b = acc_b.cases.at(n);
        auto it = acc_c.cases.find(n);
        if (it == acc_c.cases.end()) {
            s.missing.push_back(n);
            continue;
        }
        const CaseAcc& c = it->second;
        if (!b.failure.empty() || !c.failure.empty()) {
            s.failed.push_back(
                n + ": " +
                (!c.failure.empty() ? "candidate " + c.failure : "baseline " + b.failure));
            continue;
        }
        s.cases.push_back({n, b.per_round, c.per_round, {}});
        if (s.served) s.cases.back().epoch = round_epoch;  // one per round run
        s.threads.push_back(b.have ? b.pooled.threads : 1);
        s.disturbed.push_back(b.disturbed + c.disturbed);
    }
    if (!gb)
        for (const auto& n : acc_c.order)
            if (!acc_b.cases.count(n) && !placeholder(n)) s.only_candidate.push_back(n);
    if (s.cases.empty() && s.missing.empty() && s.failed.empty())
        throw UsageError("the baseline and the candidate have no case in common");
    s.epochs = s.served ? epoch + 1 : 0;
    s.baseline_doc = pooled_doc(acc_b);
    s.candidate_doc = pooled_doc(acc_c);
    s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s;
}

}  // namespace flopmeter
