// check's run-to-run spread learned from the store's history (track/run_spread.hpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "track/run_spread.hpp"

using namespace flopmeter;

namespace {
CaseRow row(std::int64_t run, const std::string& fp, const std::string& name, double median,
            const std::string& tag = "") {
    CaseRow r;
    r.run.id = run;
    r.run.fingerprint = fp;
    r.run.tag = tag;
    r.name = name;
    r.median = median;
    return r;
}

CaseComparison changed(const std::string& name, double ratio, Verdict v) {
    CaseComparison c;
    c.name = name;
    c.wall.available = true;
    c.wall.ratio = ratio;
    c.verdict = v;
    c.reason = "base reason";
    return c;
}
}  // namespace

TEST_CASE("run-to-run spread: largest change between consecutive runs, same hardware only",
          "[track][spread]") {
    std::vector<CaseRow> rows;
    const double m[] = {1.0, 1.02, 1.0, 1.1, 1.0, 1.01};  // consecutive |ln| changes
    for (int i = 0; i < 6; ++i) rows.push_back(row(i + 1, "fpA", "g", m[i]));
    rows.push_back(row(7, "fpB", "g", 5.0));                 // other hardware
    rows.push_back(row(8, "fpA", "g", 9.0, "ab:baseline"));  // pooled A/B rounds
    rows.push_back(row(9, "fpA", "g", 9.0));                 // excluded (the candidate)
    const auto t = learn_run_spread(rows, "fpA", {9});
    CHECK(t.runs == 6);
    REQUIRE(t.cases.count("g"));
    CHECK(t.cases.at("g").runs == 6);
    std::vector<double> d;
    for (int i = 1; i < 6; ++i) d.push_back(std::fabs(std::log(m[i] / m[i - 1])));
    CHECK(t.cases.at("g").spread == Approx(*std::max_element(d.begin(), d.end())));
    CHECK(t.cases.at("g").spread == Approx(std::log(1.1)).epsilon(0.01));
}

TEST_CASE("run-to-run spread: the suite's largest standardized change scales every case",
          "[track][spread]") {
    // q changes by 1% between every pair of runs; n by 2%, 2%, then 20% (a host episode).
    const double q[] = {1.0, 1.01, 1.0, 1.01}, n[] = {1.0, 1.02, 1.0, 1.2};
    std::vector<CaseRow> rows;
    for (int i = 0; i < 4; ++i) {
        rows.push_back(row(i + 1, "fp", "n", n[i]));
        rows.push_back(row(i + 1, "fp", "q", q[i]));
    }
    const auto t = learn_run_spread(rows, "fp", {});
    const double t_max = std::log(1.2) / std::log(1.02);  // pair 3 of case n, in its own units
    CHECK(t.max_standardized == Approx(t_max));
    CHECK(t.cases.at("n").spread == Approx(std::log(1.2)));
    CHECK(t.cases.at("q").spread == Approx(std::log(1.01) * t_max));
}

TEST_CASE("run-to-run spread: changes within it become NOISY, too little history is said",
          "[track][spread]") {
    RunSpreadTable t;
    t.min_runs = 5;
    t.runs = 8;
    t.cases["noisy"] = {8, std::log(1.08)};
    t.cases["quiet"] = {8, std::log(1.01)};
    t.cases["new"] = {2, 0.0};
    Comparison c;
    c.cases = {changed("noisy", 1.06, Verdict::slower), changed("quiet", 1.06, Verdict::slower),
               changed("new", 1.2, Verdict::slower), changed("same", 1.0, Verdict::same)};
    const std::string note = apply_run_spread(c, t);
    CHECK(c.cases[0].verdict == Verdict::noisy);
    CHECK(c.cases[0].reason.find("within this case's run-to-run spread +-8.0%") !=
          std::string::npos);
    CHECK(c.cases[1].verdict == Verdict::slower);
    CHECK(c.cases[1].reason.find("beyond the run-to-run spread") != std::string::npos);
    CHECK(c.cases[2].verdict == Verdict::slower);
    CHECK(c.cases[2].reason.find("run-to-run spread unknown (2 earlier run(s)") !=
          std::string::npos);
    CHECK(c.cases[3].verdict == Verdict::same);
    CHECK(c.exit_code() == 1);
    CHECK(note.find("learned from 8 earlier runs") != std::string::npos);

    RunSpreadTable empty;
    Comparison d;
    d.cases = {changed("x", 1.2, Verdict::slower)};
    CHECK(apply_run_spread(d, empty).rfind("too little history", 0) == 0);
    CHECK(d.cases[0].verdict == Verdict::slower);
}
