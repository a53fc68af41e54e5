// The one bench loop (measure/bench_runner) with fake cases: the order of rounds (alternating
// inside each group), pooling, unavailable cases never measured, failed cases measured once,
// progress with an estimate of the time left; and the progress line the CLI prints.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <sstream>

#include "cli/bench_printer.hpp"
#include "cli_runner.hpp"
#include "core/error.hpp"
#include "measure/bench_runner.hpp"

using namespace flopmeter;

namespace {

CaseResult fake(const std::string& name, CaseStatus st, double seconds) {
    CaseResult r;
    r.name = name;
    r.status = st;
    r.measurement.samples.assign(5, seconds);
    return r;
}

}  // namespace

TEST_CASE(
    "run_bench: rounds alternate inside groups, pool samples, skip what cannot or did not run",
    "[bench][runner]") {
    std::vector<std::string> order;
    auto item = [&](const std::string& name, CaseStatus st) {
        return BenchItem{name, name.substr(0, 1), std::nullopt, [&order, name, st] {
                             order.push_back(name);
                             return fake(name, st, 1e-3);
                         }};
    };
    std::vector<BenchItem> items = {item("a1", CaseStatus::ok), item("b1", CaseStatus::ok),
                                    item("a2", CaseStatus::ok),
                                    item("b2", CaseStatus::validation_failed)};
    CaseResult gone = fake("c", CaseStatus::unavailable, 0);
    gone.measurement.samples.clear();
    items.push_back({"a3", "a", gone, {}});
    items.push_back(item("b3", CaseStatus::ok));
    BenchRunOptions o;
    o.rounds = 3;
    o.group = 2;
    o.settle_ms = 0;
    std::vector<BenchProgress> seen;
    const auto r = run_bench(items, o, [&](const BenchProgress& p) { seen.push_back(p); });
    // Round 2 runs each group backwards; b2 failed in round 1 and a3 is unavailable: never again.
    CHECK(order == std::vector<std::string>{"a1", "b1", "a2", "b2", "b3", "b1", "a1", "a2", "b3",
                                            "a1", "b1", "a2", "b3"});
    REQUIRE(r.size() == 6);
    CHECK(r[0].measurement.samples.size() == 15);  // three rounds pooled
    CHECK(r[2].measurement.samples.size() == 15);
    CHECK(r[3].status == CaseStatus::validation_failed);
    CHECK(r[3].measurement.samples.size() == 5);
    CHECK(r[4].status == CaseStatus::unavailable);
    REQUIRE(seen.size() == 18);  // every (case, round) announced
    CHECK(seen.front().done == 1);
    CHECK(seen.back().done == 18);
    CHECK(seen.back().total == 18);
    CHECK(seen.front().remaining_s < 0);  // nothing measured yet: no estimate
    for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i].remaining_s >= 0);
    // Before the last case: 12 measured, 1 left (b2's later rounds are not counted).
    CHECK(seen.back().remaining_s == Approx(seen.back().elapsed_s / 12.0));
}

TEST_CASE("run_bench refuses partial groups and zero rounds", "[bench][runner]") {
    std::vector<BenchItem> items(3,
                                 BenchItem{"x", "own", std::nullopt, [] { return CaseResult{}; }});
    BenchRunOptions o;
    o.group = 2;
    CHECK_THROWS_AS(run_bench(items, o), UsageError);
    o.group = 1;
    o.rounds = 0;
    CHECK_THROWS_WITH(run_bench(items, o), Catch::Contains("--rounds"));
}

TEST_CASE("bench progress line: counts always, elapsed and time left on request",
          "[bench][runner]") {
    std::ostringstream plain, eta;
    BenchProgress p;
    p.done = 3;
    p.total = 12;
    p.name = "gemm/own/fp32/nn/64x64x64/t1";
    p.elapsed_s = 4.2;
    p.remaining_s = 125;
    bench_progress_printer(plain, false)(p);
    bench_progress_printer(eta, true)(p);
    if (!isatty(STDERR_FILENO)) CHECK(plain.str() == "[3/12] gemm/own/fp32/nn/64x64x64/t1\n");
    CHECK(eta.str() == "[3/12] gemm/own/fp32/nn/64x64x64/t1 | 4.2 s elapsed, ~2 min left\n");
}

TEST_CASE(
    "every bench command offers the same outputs: attention writes CSV to stdout, text to stderr",
    "[bench][cli]") {
    const test::Run r = test::cli({"bench", "attention", "--heads", "1", "--seq-q", "8",
                                   "--head-dim", "8", "--budget", "0.02", "--min-samples", "3",
                                   "--threads", "1", "--no-clock-probe", "--csv", "-"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.rfind("name,op,backend,dtype,", 0) == 0);
    CHECK(r.err.find("[1/1] attention/") != std::string::npos);
    CHECK(r.err.find("All timed kernels passed validation") != std::string::npos);
}
