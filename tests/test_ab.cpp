// flopmeter ab: the paired statistics on known inputs, the randomized schedule, and the exit
// codes of whole sessions with a stand-in Google Benchmark binary (tests/ab_fake_gbench.sh).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "core/error.hpp"
#include "track/ab_analysis.hpp"
#include "track/ab_process.hpp"
#include "track/ab_schedule.hpp"
#include "track/store.hpp"
#include "track/verdict_rule.hpp"
#include "track/wilcoxon.hpp"

using namespace flopmeter;

TEST_CASE("Wilcoxon signed-rank: exact p-values of known examples", "[ab][stats]") {
    // All five positive: W+ = 15, P(W+ >= 15) = 1/32, two-sided 2/32.
    auto t = wilcoxon_signed_rank({1, 2, 3, 4, 5});
    CHECK(t.exact);
    CHECK(t.n == 5);
    CHECK(t.w_plus == 15);
    CHECK(t.p_two_sided == Approx(0.0625).epsilon(1e-12));
    // One negative with the smallest rank: W+ = 20 of 21; P(W+ >= 20) = P(W+ <= 1) = 2/64.
    t = wilcoxon_signed_rank({-1, 2, 3, 4, 5, 6});
    CHECK(t.w_plus == 20);
    CHECK(t.p_two_sided == Approx(4.0 / 64).epsilon(1e-12));
    // Ten of ten positive: 2/1024; a zero is dropped.
    t = wilcoxon_signed_rank({0, .1, .2, .3, .4, .5, .6, .7, .8, .9, 1.0});
    CHECK(t.zeros == 1);
    CHECK(t.n == 10);
    CHECK(t.p_two_sided == Approx(2.0 / 1024).epsilon(1e-12));
    // P(W+ <= 8) for n = 10: 25 of the 1024 sign patterns.
    CHECK(signed_rank_exact_cdf(10, 8) == Approx(25.0 / 1024).epsilon(1e-12));
    // Symmetric: W+ = 7.5 of 15 -> p = 1.
    CHECK(wilcoxon_signed_rank({-1, 1, -2, 2, 3, -3}).p_two_sided == Approx(1.0));
}

TEST_CASE("Wilcoxon signed-rank: normal approximation with ties", "[ab][stats]") {
    // |d| = 1,1,1,2,2,3: mid-ranks 2,2,2,4.5,4.5,6; W+ = 2+2+4.5+4.5+6 = 19; mean 10.5;
    // var = 6*7*13/24 - ((27-3) + (8-2))/48 = 22.125; z = (8.5 - 0.5)/sqrt(22.125).
    const auto t = wilcoxon_signed_rank({1, 1, 2, 2, 3, -1});
    CHECK_FALSE(t.exact);
    CHECK(t.w_plus == 19);
    CHECK(t.z == Approx(8.0 / std::sqrt(22.125)).epsilon(1e-12));
    CHECK(t.p_two_sided == Approx(0.0889841538).epsilon(1e-8));
}

TEST_CASE("Hodges-Lehmann paired estimate and exact interval", "[ab][stats]") {
    auto s = hodges_lehmann_paired({1, 2, 3, 4, 5});
    CHECK(s.estimate == 3);
    // n = 5 cannot reach 95%: the widest interval (1/32 per tail), min to max Walsh average.
    CHECK(s.lo == 1);
    CHECK(s.hi == 5);
    // n = 10, 1..10: 55 Walsh averages; P(W+ <= 8) = 25/1024 <= 0.025 < P(W+ <= 9), so the
    // interval runs from the 9th smallest (3.0) to the 9th largest (8.0); estimate 5.5.
    std::vector<double> d;
    for (int i = 1; i <= 10; ++i) d.push_back(i);
    s = hodges_lehmann_paired(d);
    CHECK(s.estimate == 5.5);
    CHECK(s.lo == 3.0);
    CHECK(s.hi == 8.0);
}

namespace {
// Per-round times with a fixed multiplicative pattern (host phases) shared by both sides.
AbCaseInput paired_case(const std::string& name, double ratio, double jitter, int rounds = 12) {
    AbCaseInput c{name, {}, {}, {}};
    for (int r = 0; r < rounds; ++r) {
        const double host = 1.0 + 0.5 * ((r * 7) % 5) / 5.0;  // up to +40% slow phases on both
        const double j = jitter * std::sin(1.0 + r);  // -jitter..+jitter, no two rounds alike
        c.base.push_back(1e-3 * host);
        c.cand.push_back(1e-3 * host * ratio * (1 + j));
    }
    return c;
}
}  // namespace

TEST_CASE("A/B analysis: verdicts from paired rounds, BH and the minimum effect", "[ab][stats]") {
    const auto a = analyse_ab({paired_case("slower", 1.05, 0.005), paired_case("same", 1.0, 0.005),
                               paired_case("faster", 0.9, 0.005), paired_case("noisy", 1.0, 0.15),
                               paired_case("short", 1.2, 0.0, 4)});
    REQUIRE(a.cases.size() == 5);
    CHECK(a.cases[0].verdict == Verdict::slower);
    CHECK(a.cases[0].ratio == Approx(1.05).epsilon(0.006));
    CHECK(a.cases[0].p == Approx(2.0 / 4096).epsilon(1e-9));  // 12 of 12 rounds slower, exact
    CHECK(a.cases[1].verdict == Verdict::same);
    CHECK(a.cases[2].verdict == Verdict::faster);
    CHECK(a.cases[3].verdict == Verdict::noisy);
    CHECK(a.cases[4].verdict == Verdict::noisy);  // 4 rounds: fewer than min_rounds
    CHECK(a.cases[4].reason.find("too few paired rounds") != std::string::npos);
    // The host's slow phases (up to +40%) cancel in the ratio: the same case has a tight interval.
    CHECK(a.cases[1].ratio_hi / a.cases[1].ratio_lo < 1.02);
    CHECK(a.exit_code() == 1);

    AbAnalysis clean = analyse_ab({paired_case("same", 1.0, 0.005)});
    CHECK(clean.exit_code() == 0);
    clean.missing.push_back("gone");
    CHECK(clean.exit_code() == 1);
    clean.missing.clear();
    clean.failed.push_back("x: candidate validation_failed");
    CHECK(clean.exit_code() == 1);
    // A round where a side produced no time is left out of the pairs.
    AbCaseInput gap = paired_case("gap", 1.0, 0.005);
    gap.cand[3] = std::nan("");
    CHECK(analyse_ab({gap}).cases[0].rounds == 11);
}

TEST_CASE("The shared verdict rule: what confirms a change", "[ab][stats]") {
    const double m = 0.03, fdr = 0.05;
    // A 3% slowdown measured tightly (an interval from an `ab` run of the 3% test knob).
    CHECK(confirmed_slower({1.031, 1.027, 1.034, 0.012}, m, fdr));
    CHECK_FALSE(confirmed_faster({1.031, 1.027, 1.034, 0.012}, m, fdr));
    // An unaffected case once called FASTER: -3.1%, interval -5.6%..-1.0%. The interval reaches
    // back to within half the minimum effect of no change, so nothing is confirmed...
    const RatioEvidence near_nothing{0.969, 0.944, 0.990, 0.029};
    CHECK(resolves_min_effect(near_nothing, m));  // (it passed every other condition)
    CHECK_FALSE(confirmed_faster(near_nothing, m, fdr));
    CHECK_FALSE(within_min_effect(near_nothing, m));
    // ...while the same estimate whose interval clears -1.5% is FASTER.
    CHECK(confirmed_faster({0.969, 0.944, 0.984, 0.029}, m, fdr));
    CHECK(confirmed_slower({1.031, 1.016, 1.059, 0.029}, m, fdr));
    CHECK_FALSE(confirmed_slower({1.031, 1.014, 1.059, 0.029}, m, fdr));
    // Not significant after BH, or an estimate short of the minimum effect: not confirmed.
    CHECK_FALSE(confirmed_slower({1.031, 1.027, 1.034, 0.06}, m, fdr));
    CHECK_FALSE(confirmed_slower({1.029, 1.027, 1.034, 0.01}, m, fdr));
    // Too noisy to resolve 3% (+2%..+26%), unless the interval clears it outright (a doubling).
    CHECK_FALSE(resolves_min_effect({1.1, 1.02, 1.26, 0.01}, m));
    CHECK_FALSE(confirmed_slower({1.1, 1.02, 1.26, 0.01}, m, fdr));
    CHECK(confirmed_slower({2.0, 1.5, 3.0, 0.01}, m, fdr));
    CHECK(confirmed_faster({0.5, 0.33, 0.66, 0.01}, m, fdr));
    // With no minimum effect the interval only has to exclude 1.
    CHECK(confirmed_slower({1.01, 1.001, 1.02, 0.01}, 0.0, fdr));
    CHECK_FALSE(confirmed_slower({1.01, 1.0, 1.02, 0.01}, 0.0, fdr));
    CHECK(within_min_effect({1.0, 0.98, 1.02, 0.5}, m));
}

TEST_CASE("A/B analysis on epochs: a process-long offset is one unit, not many", "[ab][stats]") {
    // 60 rounds; the candidate's process of epoch e (5 rounds each) runs `off[e]` slower for its
    // whole life, with a small round-to-round jitter on top. One epoch (no restarts) with -19%:
    // the rounds all agree, so a test on rounds calls it FASTER; twelve epochs whose offsets
    // scatter around zero leave it NOISY.
    const std::vector<double> off = {-0.19, 0.06,  -0.03, 0.02,  0.08, -0.05,
                                     0.01,  -0.07, 0.04,  -0.02, 0.03, 0.0};
    auto make = [&](bool restarts, double slowdown) {
        AbCaseInput c{"c", {}, {}, {}};
        for (int r = 0; r < 60; ++r) {
            const int e = restarts ? r / 5 : 0;
            const double j = 0.004 * std::sin(1.0 + r);
            c.base.push_back(1e-3);
            c.cand.push_back(1e-3 * (1 + off[std::size_t(e)]) * (1 + slowdown) * (1 + j));
            c.epoch.push_back(e);
        }
        return c;
    };
    AbCaseInput one = make(false, 0);
    one.epoch.clear();  // rounds as units: the offset of the one process looks like an effect
    CHECK(analyse_ab({one}).cases[0].verdict == Verdict::faster);

    const AbCase c = analyse_ab({make(true, 0)}).cases[0];
    CHECK(c.rounds == 60);
    CHECK(c.units == 12);
    CHECK(c.verdict == Verdict::noisy);
    // The test ran on the twelve epoch medians: the same p as Wilcoxon on those directly.
    std::vector<double> med;
    for (std::size_t e = 0; e < off.size(); ++e) {
        std::vector<double> v;
        for (int r = int(e) * 5; r < int(e) * 5 + 5; ++r)
            v.push_back(std::log((1 + off[e]) * (1 + 0.004 * std::sin(1.0 + r))));
        std::sort(v.begin(), v.end());
        med.push_back(v[2]);
    }
    CHECK(c.p == Approx(wilcoxon_signed_rank(med).p_two_sided).epsilon(1e-12));
    CHECK(c.reason.find("12 epochs") != std::string::npos);

    // A real 6% slowdown over epoch offsets of +-1%: every epoch slower, exact p = 2/4096.
    AbCaseInput slow{"s", {}, {}, {}};
    for (int r = 0; r < 60; ++r) {
        slow.base.push_back(1e-3);
        slow.cand.push_back(1e-3 * 1.06 * (1 + 0.01 * std::sin(3.0 * (r / 5))));
        slow.epoch.push_back(r / 5);
    }
    const AbCase cs = analyse_ab({slow}).cases[0];
    CHECK(cs.verdict == Verdict::slower);
    CHECK(cs.p == Approx(2.0 / 4096).epsilon(1e-9));
    // Too few epochs for a verdict, however many rounds: NOISY, and it says why.
    AbCaseInput few = slow;
    for (auto& e : few.epoch) e = e % 4;
    const AbCase cf = analyse_ab({few}).cases[0];
    CHECK(cf.verdict == Verdict::noisy);
    CHECK(cf.reason.find("too few paired epochs (4; need 6)") != std::string::npos);
    AbCaseInput bad = slow;
    bad.epoch.pop_back();
    CHECK_THROWS_AS(analyse_ab({bad}), UsageError);
}

TEST_CASE("A/B schedule: every case once per round, sides balanced, order randomized",
          "[ab][schedule]") {
    const int rounds = 11, units = 6;
    const auto s = make_ab_schedule(rounds, units, 42);
    REQUIRE(s.size() == std::size_t(rounds * units));
    std::vector<int> first(units, 0), core(units, 0);
    std::set<std::vector<int>> orders;
    for (int r = 0; r < rounds; ++r) {
        std::vector<int> order;
        for (int i = 0; i < units; ++i) {
            const auto& st = s[std::size_t(r * units + i)];
            CHECK(st.round == r);
            order.push_back(st.unit);
            first[std::size_t(st.unit)] += st.baseline_first;
            core[std::size_t(st.unit)] += st.baseline_on_first_core;
        }
        CHECK(std::set<int>(order.begin(), order.end()).size() == std::size_t(units));
        orders.insert(order);
    }
    for (int u = 0; u < units; ++u) {
        CHECK((first[std::size_t(u)] == rounds / 2 || first[std::size_t(u)] == rounds / 2 + 1));
        CHECK((core[std::size_t(u)] == rounds / 2 || core[std::size_t(u)] == rounds / 2 + 1));
    }
    CHECK(orders.size() > 5);  // 11 rounds of 720 possible orders: repeats would mean no shuffling
    // Deterministic for a seed, different for another.
    const auto again = make_ab_schedule(rounds, units, 42),
               other = make_ab_schedule(rounds, units, 43);
    bool same = true, differs = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        same = same && s[i].unit == again[i].unit && s[i].baseline_first == again[i].baseline_first;
        differs =
            differs || s[i].unit != other[i].unit || s[i].baseline_first != other[i].baseline_first;
    }
    CHECK(same);
    CHECK(differs);
    CHECK_THROWS(make_ab_schedule(0, 3, 1));
}

namespace {
const std::string kFake = std::string(FLOPMETER_SOURCE_DIR) + "/tests/ab_fake_gbench.sh";

struct TmpDir {
    std::filesystem::path p;
    TmpDir() {
        std::string t =
            (std::filesystem::temp_directory_path() / "flopmeter-abtest-XXXXXX").string();
        REQUIRE(::mkdtemp(t.data()));
        p = t;
    }
    ~TmpDir() { std::filesystem::remove_all(p); }
};

test::Run ab(const TmpDir& d, std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "ab",     kFake, kFake,     "--rounds", "8",
        "--seed", "7",   "--quiet", "--db",     (d.p / "ab.db").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return test::cli(args);
}
}  // namespace

TEST_CASE("flopmeter ab exit codes with a stand-in Google Benchmark binary", "[ab][cli]") {
    TmpDir d;
    SECTION("A/A: exit 0, every case compared, both runs recorded, JSON written") {
        const auto json = (d.p / "ab.json").string();
        const auto r = ab(d, {"--json", json});
        INFO(r.out << r.err);
        CHECK(r.code == 0);
        std::ifstream f(json);
        const auto j = nlohmann::json::parse(f);
        CHECK(j["schema"] == "flopmeter.ab");
        CHECK(j["cases"].size() == 3);
        CHECK(j["baseline"]["kind"] == "google-benchmark");
        CHECK(j["cases"][0]["rounds"] == 8);
        CHECK(j["summary"]["slower"] == 0);
        auto store = Store::open((d.p / "ab.db").string());
        CHECK(store.runs().size() == 2);
    }
    SECTION("duet: both sides at once on two CPUs") {
        const auto json = (d.p / "duet.json").string();
        const auto r = ab(d, {"--duet", "--json", json, "--candidate-env", "FAKE_SCALE=1.2"});
        INFO(r.out << r.err);
        if (allowed_cpus().size() < 2) {  // duet needs two CPUs this process may use
            CHECK(r.code == 2);
            return;
        }
        CHECK(r.code == 1);
        std::ifstream f(json);
        const auto j = nlohmann::json::parse(f);
        CHECK(j["settings"]["duet"] == true);
        CHECK(j["settings"]["cpus"].size() == 2);
        CHECK(j["summary"]["slower"] == 3);
    }
    SECTION("a 20% slower candidate: SLOWER, exit 1, Markdown says so") {
        const auto r = ab(d, {"--candidate-env", "FAKE_SCALE=1.2", "--markdown", "-"});
        INFO(r.out << r.err);
        CHECK(r.code == 1);
        CHECK(r.out.find("### flopmeter ab: 3 SLOWER") != std::string::npos);
    }
    SECTION("a failed candidate case: exit 1") {
        const auto r = ab(d, {"--candidate-env", "FAKE_FAIL=fake/b"});
        INFO(r.out << r.err);
        CHECK(r.code == 1);
        CHECK(r.out.find("FAILED: fake/b: candidate") != std::string::npos);
    }
    SECTION("a crashing candidate case: exit 1") {
        const auto r = ab(d, {"--candidate-env", "FAKE_CRASH=fake/c"});
        INFO(r.out << r.err);
        CHECK(r.code == 1);
        CHECK(r.out.find("FAILED: fake/c: candidate killed by signal") != std::string::npos);
    }
    SECTION("a missing candidate case: exit 1; a case only the candidate has: reported, exit 0") {
        auto r = ab(d, {"--candidate-env", "FAKE_MISSING=fake/a"});
        INFO(r.out << r.err);
        CHECK(r.code == 1);
        CHECK(r.out.find("MISSING in the candidate: fake/a") != std::string::npos);
        r = ab(d, {"--baseline-env", "FAKE_MISSING=fake/a", "--no-record"});
        CHECK(r.code == 0);
        CHECK(r.out.find("Only in the candidate") != std::string::npos);
    }
    SECTION("bad input: exit 2") {
        CHECK(test::cli({"ab", "/nonexistent/bench", kFake, "--quiet", "--no-record"}).code == 2);
        CHECK(test::cli({"ab", "/bin/false", kFake, "--quiet", "--no-record"}).code ==
              2);                                   // neither kind
        CHECK(ab(d, {"--", "--bogus"}).code == 2);  // side rejects ARGS
        CHECK(ab(d, {"--baseline-env", "NOEQUALS"}).code == 2);
        CHECK(ab(d, {"--rounds", "0"}).code == 2);
        // An environment option right before "--" takes one value; the rest still reaches the side.
        const auto r = ab(d, {"--candidate-env", "A=1", "--", "--bogus"});
        CHECK(r.code == 2);
        CHECK(r.err.find("unrecognized argument --bogus") != std::string::npos);
    }
}
