// `flopmeter check`: verdicts on synthetic suites (A/A, injected slowdown, clock changes, too
// little data), exit codes through the real CLI, hardware refusal, outputs; `history`,
// `export` and `merge` through the CLI.
#include <catch2/catch.hpp>

#include "core/atomic_file.hpp"
#include "test_track_fixtures.hpp"
#include "track/compare.hpp"
#include "track/record.hpp"
#include "track/store.hpp"

using namespace flopmeter;
using namespace flopmeter::testing;

TEST_CASE("A/A: the same distribution never gives SLOWER across many suites", "[track][check]") {
    int slower = 0, same = 0, total = 0;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        const Comparison c =
            compare_results(test_suite(20, seed, "a"), test_suite(20, seed + 1000, "b"));
        slower += c.count(Verdict::slower) + c.count(Verdict::faster);
        same += c.count(Verdict::same);
        total += int(c.cases.size());
        CHECK(c.exit_code() == 0);
    }
    CHECK(slower == 0);
    CHECK(same == total);  // 60 samples at 1% noise: precise enough to call SAME
}

TEST_CASE("an injected 5% slowdown of one case is confirmed, and only that one", "[track][check]") {
    std::vector<double> f(20, 1.0);
    f[7] = 1.05;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        const Comparison c =
            compare_results(test_suite(20, seed, "a"), test_suite(20, seed + 500, "b", f));
        REQUIRE(c.cases.size() == 20);
        CHECK(c.cases[7].verdict == Verdict::slower);
        CHECK(c.cases[7].wall.ratio == Approx(1.05).epsilon(0.01));
        CHECK(c.cases[7].wall.ratio_lo > 1.0);
        CHECK(c.count(Verdict::slower) == 1);
        CHECK(c.exit_code() == 1);
    }
    f[7] = 1.0 / 1.05;
    const Comparison faster = compare_results(test_suite(20, 3, "a"), test_suite(20, 4, "b", f));
    CHECK(faster.cases[7].verdict == Verdict::faster);
    CHECK(faster.exit_code() == 0);
}

TEST_CASE("a change below the minimum effect is SAME, above it with a raised floor too",
          "[track][check]") {
    std::vector<double> f(3, 1.0);
    f[0] = 1.02;
    const ResultsDocument a = test_suite(3, 1, "a", {}, 400), b = test_suite(3, 2, "b", f, 400);
    const Comparison c = compare_results(a, b);
    CHECK(c.cases[0].wall.q < 0.05);             // a real 2% change...
    CHECK(c.cases[0].verdict == Verdict::same);  // ...below the 3% that matters
    CompareOptions strict;
    strict.min_effect = 0.01;
    CHECK(compare_results(a, b, strict).cases[0].verdict == Verdict::slower);
}

TEST_CASE("noisy or tiny samples give NOISY, not a verdict", "[track][check]") {
    ResultsDocument a = test_suite(2, 1, "a"), b = test_suite(2, 2, "b");
    a.results[0] = test_case(a.results[0].name, 1e-4, 30, 5, 0.2);  // 20% noise, same median
    b.results[0] = test_case(b.results[0].name, 1e-4, 30, 6, 0.2);
    a.results[1] = test_case(a.results[1].name, 2e-4, 4, 7);  // 4 samples
    b.results[1] = test_case(b.results[1].name, 3e-4, 4, 8);
    const Comparison c = compare_results(a, b);
    CHECK(c.cases[0].verdict == Verdict::noisy);  // the CI cannot rule out +-3%
    CHECK(c.cases[0].reason.find("reaches past") != std::string::npos);
    CHECK(c.cases[1].verdict == Verdict::noisy);
    CHECK(c.cases[1].reason.find("too few samples") != std::string::npos);
    CHECK(c.exit_code() == 0);
}

TEST_CASE("a slowdown that follows the clock is NOISY, one at the same clock is SLOWER",
          "[track][check]") {
    ResultsDocument a, b;
    a.provenance = b.provenance = test_provenance("x");
    // Candidate 10% slower in wall time, but the probe saw a 10% lower clock: same cycles.
    a.results.push_back(test_case("c0", 1e-4, 80, 1, 0.01, 3.0));
    b.results.push_back(test_case("c0", 1.1e-4, 80, 2, 0.01, 3.0 / 1.1));
    // Candidate 10% slower at the same clock: the code.
    a.results.push_back(test_case("c1", 1e-4, 80, 3, 0.01, 3.0));
    b.results.push_back(test_case("c1", 1.1e-4, 80, 4, 0.01, 3.0));
    const Comparison c = compare_results(a, b);
    CHECK(c.cases[0].verdict == Verdict::noisy);
    CHECK(c.cases[0].reason.find("clock") != std::string::npos);
    CHECK(c.cases[0].clock.ratio == Approx(1.0).epsilon(0.01));
    CHECK(c.cases[1].verdict == Verdict::slower);
    CHECK(c.exit_code() == 1);
}

TEST_CASE("flagged (contended) samples are left out of the test", "[track][check]") {
    ResultsDocument a = test_suite(1, 1, "a", {}, 100), b = test_suite(1, 2, "b", {}, 100);
    // 60 of the candidate's samples were taken while the core was slowed: 40% longer.
    for (std::size_t i = 40; i < 100; ++i) {
        b.results[0].measurement.samples[i] *= 1.4;
        b.results[0].measurement.flagged.push_back(std::int64_t(i));
    }
    const Comparison c = compare_results(a, b);
    CHECK(c.cases[0].dropped_cand == 60);
    CHECK(c.cases[0].verdict == Verdict::same);
    CompareOptions keep;
    keep.drop_flagged = false;
    CHECK(compare_results(a, b, keep).cases[0].verdict == Verdict::slower);
}

TEST_CASE("check through the CLI: exit codes, outputs, refusals", "[track][check][cli]") {
    TempDir dir("cli");
    const std::string db = dir.file("t.db");
    std::vector<double> f(5, 1.0);
    f[2] = 1.06;
    write_file_atomic(dir.file("base.json"),
                      results_to_json_string(test_suite(5, 1, "2025-01-01T00:00:00Z")));
    write_file_atomic(dir.file("same.json"),
                      results_to_json_string(test_suite(5, 2, "2025-01-02T00:00:00Z")));
    ResultsDocument slow = test_suite(5, 3, "2025-01-03T00:00:00Z", f);
    slow.provenance.git_sha = "fedcba9876543210";
    write_file_atomic(dir.file("slow.json"), results_to_json_string(slow));

    REQUIRE(run_cli({"record", dir.file("base.json"), "--db", db, "--tag", "v1"}).code == 0);
    REQUIRE(run_cli({"record", dir.file("same.json"), "--db", db}).code == 0);
    const CliRun ok = run_cli({"check", "--baseline", "v1", "--db", db});
    INFO(ok.out << ok.err);
    CHECK(ok.code == 0);
    CHECK(ok.out.find("0 SLOWER") != std::string::npos);

    REQUIRE(run_cli({"record", dir.file("slow.json"), "--db", db}).code == 0);
    const std::string md = dir.file("c.md"), js = dir.file("c.json");
    const CliRun bad =
        run_cli({"check", "--baseline", "1", "--db", db, "--markdown", md, "--json", js});
    INFO(bad.out << bad.err);
    CHECK(bad.code == 1);
    CHECK(bad.out.find("SLOWER   gemm/own/fp32/nn/case2") != std::string::npos);
    CHECK(read_file(md).find("**1 case(s) confirmed slower**") != std::string::npos);
    CHECK(read_file(md).find("| SLOWER | `gemm/own/fp32/nn/case2`") != std::string::npos);
    const auto j = nlohmann::json::parse(read_file(js));
    CHECK(j["schema"] == "flopmeter.check");
    CHECK(j["exit_code"] == 1);
    CHECK(j["summary"]["slower"] == 1);
    CHECK(j["cases"].size() == 5);

    // Baseline by SHA prefix, candidate by file (not recorded), Markdown to stdout.
    const CliRun by_sha = run_cli({"check", "--baseline", "fedcba98", "--candidate",
                                   dir.file("same.json"), "--db", db, "--markdown", "-"});
    CHECK(by_sha.code == 0);  // the candidate is faster on case2, not slower
    CHECK(by_sha.out.find("### flopmeter check") == 0);
    CHECK(by_sha.out.find("FASTER") != std::string::npos);

    // Bad input: exit 2 with one clear line.
    struct Bad {
        std::vector<std::string> args;
        std::string expect;
    };
    write_file_atomic(dir.file("other.json"), "{\"hello\": 1}");
    ResultsDocument elsewhere = test_suite(5, 4, "2025-01-04T00:00:00Z");
    elsewhere.provenance.cpu_model = "Other CPU";
    elsewhere.provenance.fingerprint = compute_fingerprint(elsewhere.provenance);
    write_file_atomic(dir.file("elsewhere.json"), results_to_json_string(elsewhere));
    const std::vector<Bad> cases = {
        {{"check", "--baseline", "42", "--db", db}, "no run 42"},
        {{"check", "--baseline", "nosuchtag", "--db", db}, "neither a result file, a run id"},
        {{"check", "--baseline", "1", "--candidate", "1", "--db", db}, "same run"},
        {{"check", "--baseline", "1", "--db", dir.file("missing.db")}, "no database at"},
        {{"check", "--baseline", dir.file("other.json"), "--db", db},
         "neither flopmeter results JSON"},
        {{"check", "--baseline", "1", "--candidate", dir.file("elsewhere.json"), "--db", db},
         "cpu_model 'Test CPU 9000' vs 'Other CPU'"},
        {{"check", "--baseline", "1", "--db", db, "--fdr", "2"}, "--fdr"},
        {{"record", dir.file("other.json"), "--db", db}, "neither flopmeter results JSON"},
        {{"history", "--db", db, "--case", "nomatch"}, "no recorded case matches"},
        {{"export", "99", "--db", db}, "no run 99"},
        {{"merge", dir.file("missing.db"), "--db", db}, "no database at"},
    };
    for (const auto& c : cases) {
        const CliRun r = run_cli(c.args);
        std::string joined;
        for (const auto& a : c.args) joined += a + " ";
        INFO("flopmeter " << joined << "-> " << r.code << "\n" << r.err);
        CHECK(r.code == 2);
        CHECK(r.err.find(c.expect) != std::string::npos);
        CHECK(r.err.find("flopmeter: error:") == 0);
    }
    const CliRun allowed =
        run_cli({"check", "--baseline", "1", "--candidate", dir.file("elsewhere.json"), "--db", db,
                 "--allow-different-hardware"});
    CHECK(allowed.code == 0);
    CHECK(allowed.out.find("different hardware: cpu_model") != std::string::npos);
    CHECK(Store::open(db).runs().size() == 3);  // nothing above added or removed a run
}

TEST_CASE("history finds a change point, export and merge round trip through the CLI",
          "[track][cli]") {
    TempDir dir("hist");
    const std::string db = dir.file("h.db");
    for (int i = 0; i < 12; ++i) {
        std::vector<double> f(2, 1.0);
        if (i >= 6) f[1] = 1.15;  // case1 got 15% slower from the 7th run on
        char date[32];
        std::snprintf(date, sizeof date, "2025-02-%02dT00:00:00Z", i + 1);
        record_results(test_suite(2, std::uint64_t(i + 1), date, f), db);
    }
    const std::string js = dir.file("h.json");
    const CliRun h = run_cli({"history", "--db", db, "--case", "*case1", "--json", js});
    INFO(h.out << h.err);
    REQUIRE(h.code == 0);
    CHECK(h.out.find("<- change +1") != std::string::npos);
    const auto j = nlohmann::json::parse(read_file(js));
    REQUIRE(j["series"].size() == 1);
    REQUIRE(j["series"][0]["change_points"].size() == 1);
    CHECK(j["series"][0]["change_points"][0]["index"] == 6);
    CHECK(j["series"][0]["change_points"][0]["ratio"].get<double>() == Approx(1.15).epsilon(0.02));
    const CliRun h0 = run_cli({"history", "--db", db, "--case", "case0"});
    CHECK(h0.out.find("No change point") != std::string::npos);
    const CliRun runs = run_cli({"history", "--db", db, "--runs"});
    CHECK(runs.out.find("testhost") != std::string::npos);

    const std::string out = dir.file("run3.json");
    REQUIRE(run_cli({"export", "3", "--db", db, "-o", out}).code == 0);
    const ResultsDocument back = results_from_json_string(read_file(out));
    CHECK(back.results[1].measurement.samples ==
          test_suite(2, 3, "2025-02-03T00:00:00Z").results[1].measurement.samples);

    const std::string other = dir.file("other.db"), merged = dir.file("merged.db");
    record_results(test_suite(2, 77, "2025-03-01T00:00:00Z"), other);
    const CliRun m = run_cli({"merge", db, other, "--db", merged});
    INFO(m.out << m.err);
    CHECK(m.code == 0);
    CHECK(Store::open(merged).runs().size() == 13);
}
