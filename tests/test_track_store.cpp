// The results store: round trip with samples, migration from an older schema, two writers at
// once, a writer killed inside its transaction, corrupt/foreign/locked files left untouched,
// merging, and Google Benchmark import.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "measure/writers.hpp"
#include "test_track_fixtures.hpp"
#include "track/compare.hpp"
#include "track/gbench_import.hpp"
#include "track/merge.hpp"
#include "track/record.hpp"
#include "track/results_file.hpp"

using namespace flopmeter;
using namespace flopmeter::testing;

TEST_CASE("store round trip keeps provenance, cases and raw samples", "[track][store]") {
    TempDir dir("roundtrip");
    const std::string db = dir.file("s.db");
    ResultsDocument doc = test_suite(3, 1, "2025-01-01T00:00:00Z");
    doc.warnings.push_back("a run warning");
    doc.results[1].measurement.flagged = {2, 5};
    doc.results[2].status = CaseStatus::unavailable;
    doc.results[2].error = "not here";
    doc.results[2].measurement = {};
    const RecordOutcome r = record_results(doc, db, {"v1", "", 10000});
    CHECK(r.added);
    const RecordOutcome again = record_results(doc, db);
    CHECK_FALSE(again.added);
    CHECK(again.run_id == r.run_id);

    Store s = Store::open(db);
    CHECK(s.schema_version() == store_schema_version());
    const auto runs = s.runs();
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].tag == "v1");
    CHECK(runs[0].cases == 3);
    CHECK(runs[0].fingerprint == doc.provenance.fingerprint);
    const StoredRun back = s.load_run(r.run_id);
    CHECK(back.doc.provenance.cpu_model == "Test CPU 9000");
    CHECK(back.doc.provenance.fingerprint == doc.provenance.fingerprint);
    CHECK(back.doc.warnings == doc.warnings);
    REQUIRE(back.doc.results.size() == 3);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(back.doc.results[i].name == doc.results[i].name);
        CHECK(back.doc.results[i].measurement.samples == doc.results[i].measurement.samples);
        CHECK(back.doc.results[i].measurement.stats.median ==
              doc.results[i].measurement.stats.median);
    }
    CHECK(back.doc.results[1].measurement.flagged == std::vector<std::int64_t>{2, 5});
    CHECK(back.doc.results[2].status == CaseStatus::unavailable);
    CHECK(back.doc.results[2].error == "not here");
    // Exported JSON parses back to the same document.
    const ResultsDocument parsed = results_from_json_string(results_to_json_string(back.doc));
    CHECK(parsed.results[0].measurement.samples == doc.results[0].measurement.samples);
}

TEST_CASE("an older store is migrated on open, keeping its runs", "[track][store]") {
    TempDir dir("migrate");
    const std::string db = dir.file("old.db");
    {
        StoreOptions o;
        o.create = true;
        o.schema_version = 1;  // the first released schema: no tags
        Store s = Store::open(db, o);
        CHECK(s.schema_version() == 1);
        s.db().exec(
            "INSERT INTO runs (run_key, source, git_sha, date_utc, recorded_utc, hostname, "
            "fingerprint, "
            "provenance_json, warnings_json) VALUES ('k1', 'flopmeter', 'abcdef1', "
            "'2024-05-01T00:00:00Z', "
            "'2024-05-01T00:00:01Z', 'h', 'f', '" +
            provenance_to_json(test_provenance("2024-05-01T00:00:00Z")).dump() + "', '[]')");
        // The v1 schema has no tag column: asking for it fails at this version.
        CHECK_THROWS(s.db().exec("SELECT tag FROM runs"));
    }
    Store s = Store::open(db);
    CHECK(s.schema_version() == store_schema_version());
    const auto runs = s.runs();
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].git_sha == "abcdef1");
    CHECK(runs[0].tag.empty());
    CHECK(s.runs_matching("abcdef").size() == 1);
}

TEST_CASE("two writers record at once", "[track][store]") {
    TempDir dir("concurrent");
    const std::string db = dir.file("c.db");
    record_results(test_suite(2, 99, "2025-01-01T00:00:00Z"), db);  // create it first
    auto writer = [&](int who) {
        for (int i = 0; i < 5; ++i)
            record_results(test_suite(4, std::uint64_t(who * 100 + i), "2025-02-01T00:00:00Z"), db);
    };
    std::thread a(writer, 1), b(writer, 2);
    a.join();
    b.join();
    Store s = Store::open(db);
    CHECK(s.runs().size() == 11);
    CHECK(s.db().query_int("SELECT COUNT(*) FROM cases") == 2 + 10 * 4);
}

TEST_CASE("a record killed inside its transaction leaves the store as it was", "[track][store]") {
    TempDir dir("kill");
    const std::string db = dir.file("k.db");
    record_results(test_suite(2, 1, "2025-01-01T00:00:00Z"), db);
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // Child: record with the test knob that pauses after the first case is written.
        ::dup2(pipefd[1], 2);
        ::close(pipefd[0]);
        ::setenv("FLOPMETER_TEST_PAUSE_IN_RECORD", "30", 1);
        try {
            record_results(test_suite(5, 2, "2025-01-02T00:00:00Z"), db);
        } catch (...) {
        }
        ::_exit(0);
    }
    ::close(pipefd[1]);
    std::string said;
    char buf[256];
    while (said.find("pausing") == std::string::npos) {
        const ssize_t n = ::read(pipefd[0], buf, sizeof buf);
        if (n <= 0) break;
        said.append(buf, std::size_t(n));
    }
    ::close(pipefd[0]);
    REQUIRE(said.find("inside the transaction") != std::string::npos);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));

    Store s = Store::open(db);
    Statement st(s.db(), "PRAGMA integrity_check");
    REQUIRE(st.step());
    CHECK(st.col_text(0) == "ok");
    CHECK(s.runs().size() == 1);
    CHECK(s.db().query_int("SELECT COUNT(*) FROM cases") == 2);
    // And the store takes new runs afterwards.
    CHECK(record_results(test_suite(5, 2, "2025-01-02T00:00:00Z"), db).added);
    CHECK(Store::open(db).runs().size() == 2);
}

TEST_CASE("corrupt, foreign, newer and locked stores are refused and left untouched",
          "[track][store]") {
    TempDir dir("bad");
    const ResultsDocument doc = test_suite(2, 1, "2025-01-01T00:00:00Z");

    const std::string junk = dir.file("junk.db");
    const std::string junk_text = std::string(4096, 'x') + "this is not a database\n";
    write_file_atomic(junk, junk_text);
    CHECK_THROWS_WITH(record_results(doc, junk), Catch::Contains("not a flopmeter database"));
    CHECK(read_file(junk) == junk_text);

    const std::string foreign = dir.file("foreign.db");
    {
        SqliteDb f(foreign, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 1000);
        f.exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)");
    }
    const std::string before = read_file(foreign);
    CHECK_THROWS_WITH(record_results(doc, foreign), Catch::Contains("not a flopmeter store"));
    CHECK(read_file(foreign) == before);

    const std::string newer = dir.file("newer.db");
    record_results(doc, newer);
    Store::open(newer).db().exec("PRAGMA user_version=99");
    CHECK_THROWS_WITH(Store::open(newer), Catch::Contains("newer flopmeter"));

    const std::string locked = dir.file("locked.db");
    record_results(doc, locked);
    Store holder = Store::open(locked);
    holder.db().exec("BEGIN IMMEDIATE");
    RecordOptions quick;
    quick.busy_timeout_ms = 100;
    CHECK_THROWS_WITH(record_results(test_suite(2, 2, "2025-01-02T00:00:00Z"), locked, quick),
                      Catch::Contains("locked by another process"));
    holder.db().exec("ROLLBACK");
    CHECK(Store::open(locked).runs().size() == 1);

    CHECK_THROWS_WITH(Store::open(dir.file("missing.db")), Catch::Contains("no database at"));
}

TEST_CASE("results without samples or from another tool are refused", "[track][store]") {
    TempDir dir("input");
    ResultsDocument doc = test_suite(2, 1, "2025-01-01T00:00:00Z");
    doc.results[0].measurement.samples.clear();
    const std::string db = dir.file("s.db");
    CHECK_THROWS_WITH(record_results(doc, db), Catch::Contains("no raw samples"));
    CHECK_THROWS_WITH(Store::open(db), Catch::Contains("no database"));  // nothing was created

    write_file_atomic(dir.file("other.json"), R"({"format": "something else", "data": [1, 2]})");
    CHECK_THROWS_WITH(load_results_file(dir.file("other.json")),
                      Catch::Contains("neither flopmeter results JSON"));
    write_file_atomic(dir.file("broken.json"), "{\"schema\": ");
    CHECK_THROWS_WITH(load_results_file(dir.file("broken.json")),
                      Catch::Contains("not valid JSON"));
}

TEST_CASE("Google Benchmark JSON is imported with one sample per repetition", "[track][store]") {
    const auto j = nlohmann::ordered_json::parse(R"({
      "context": {"date": "2025-03-01T10:00:00+00:00", "host_name": "ci-7", "num_cpus": 4,
                  "mhz_per_cpu": 3000, "cpu_scaling_enabled": false,
                  "caches": [{"type": "Data", "level": 1, "size": 32768, "num_sharing": 1}],
                  "library_build_type": "release"},
      "benchmarks": [
        {"name": "BM_A/64", "run_name": "BM_A/64", "run_type": "iteration", "repetitions": 3,
         "repetition_index": 0, "iterations": 1000, "real_time": 1500.0, "cpu_time": 1490.0, "time_unit": "ns"},
        {"name": "BM_A/64", "run_name": "BM_A/64", "run_type": "iteration", "repetitions": 3,
         "repetition_index": 1, "iterations": 1000, "real_time": 1520.0, "cpu_time": 1500.0, "time_unit": "ns",
         "contended": 1.0},
        {"name": "BM_A/64", "run_name": "BM_A/64", "run_type": "iteration", "repetitions": 3,
         "repetition_index": 2, "iterations": 1000, "real_time": 1480.0, "cpu_time": 1470.0, "time_unit": "ns"},
        {"name": "BM_A/64_mean", "run_name": "BM_A/64", "run_type": "aggregate", "aggregate_name": "mean",
         "iterations": 3, "real_time": 1500.0, "cpu_time": 1486.0, "time_unit": "ns"},
        {"name": "BM_B", "run_name": "BM_B", "run_type": "iteration", "iterations": 10,
         "real_time": 2.5, "cpu_time": 2.5, "time_unit": "ms"},
        {"name": "BM_C", "run_name": "BM_C", "run_type": "iteration", "error_occurred": true,
         "error_message": "skipped: no GPU", "iterations": 0, "real_time": 0, "cpu_time": 0, "time_unit": "ns"}
      ]})");
    REQUIRE(is_gbench_json(j));
    const ResultsDocument d = gbench_to_results(j);
    CHECK(d.provenance.tool == "google-benchmark");
    CHECK(d.provenance.hostname == "ci-7");
    CHECK_FALSE(d.provenance.fingerprint.empty());
    REQUIRE(d.results.size() == 3);
    CHECK(d.results[0].name == "BM_A/64");
    CHECK(d.results[0].measurement.samples == std::vector<double>{1.5e-6, 1.52e-6, 1.48e-6});
    CHECK(d.results[0].measurement.stats.median == Approx(1.5e-6));
    // flopmeter-bench's "contended" counter flags that repetition (the probe read a slowed core).
    CHECK(d.results[0].measurement.flagged == std::vector<std::int64_t>{1});
    CHECK(d.results[0].contended);
    CHECK(d.results[1].measurement.flagged.empty());
    CHECK(d.results[1].measurement.samples == std::vector<double>{2.5e-3});
    CHECK(d.results[2].status == CaseStatus::error);
    CHECK(d.results[2].error == "skipped: no GPU");

    const auto aggregates_only = nlohmann::ordered_json::parse(
        R"({"context": {}, "benchmarks": [{"name": "BM_A_mean", "run_type": "aggregate", "iterations": 3,
            "real_time": 1.0, "cpu_time": 1.0, "time_unit": "ns"}]})");
    CHECK_THROWS_WITH(gbench_to_results(aggregates_only), Catch::Contains("only aggregates"));
}

TEST_CASE("Google Benchmark JSON with a bare NaN counter still reads", "[track][store]") {
    // Google Benchmark prints the cv aggregate of a counter that is 0 in every repetition as
    // 0/0: a bare NaN, which is not JSON. A string holding "NaN" stays as it is.
    const std::string text = R"({"context": {"host_name": "NaN-host"}, "benchmarks": [
        {"name": "BM_A", "run_name": "BM_A", "run_type": "iteration", "repetitions": 2,
         "repetition_index": 0, "iterations": 10, "real_time": 2.0, "cpu_time": 2.0, "time_unit": "ns",
         "contended": 0.0},
        {"name": "BM_A", "run_name": "BM_A", "run_type": "iteration", "repetitions": 2,
         "repetition_index": 1, "iterations": 10, "real_time": 4.0, "cpu_time": 4.0, "time_unit": "ns",
         "contended": 0.0},
        {"name": "BM_A_cv", "run_name": "BM_A", "run_type": "aggregate", "aggregate_name": "cv",
         "iterations": 2, "real_time": 0.47, "cpu_time": 0.47, "time_unit": "ns", "contended": NaN,
         "other": -inf}]})";
    CHECK_THROWS(nlohmann::ordered_json::parse(text));
    const auto j = parse_gbench_json(text);
    CHECK(j["context"]["host_name"] == "NaN-host");
    CHECK(j["benchmarks"][2]["contended"].is_null());
    CHECK(j["benchmarks"][2]["other"].is_null());
    const ResultsDocument d = gbench_to_results(j);
    REQUIRE(d.results.size() == 1);
    CHECK(d.results[0].measurement.samples == std::vector<double>{2e-9, 4e-9});
    CHECK_THROWS_AS(parse_gbench_json(R"({"a": NaNa})"), nlohmann::json::exception);
    CHECK_THROWS_AS(parse_gbench_json("{\"a\": 1"), nlohmann::json::exception);
}

TEST_CASE("a run converted to Google Benchmark JSON reads back as the same hardware",
          "[track][store]") {
    const ResultsDocument native = test_suite(3, 4, "2025-02-01T00:00:00Z");
    for (int reps : {1, 4}) {
        const ResultsDocument back =
            gbench_to_results(nlohmann::ordered_json::parse(results_to_gbench_json(native, reps)));
        CHECK(back.provenance.fingerprint == native.provenance.fingerprint);
        CHECK(hardware_differences(native.provenance, back.provenance).empty());
        CHECK(back.provenance.git_sha == native.provenance.git_sha);
        REQUIRE(back.results.size() == native.results.size());
        for (std::size_t i = 0; i < native.results.size(); ++i) {
            CHECK(back.results[i].name == native.results[i].name);
            CHECK(back.results[i].measurement.samples.size() == std::size_t(reps));
            if (reps == 1)  // the one row per case is the case's median
                CHECK(back.results[i].measurement.stats.median ==
                      Approx(native.results[i].measurement.stats.median).epsilon(1e-12));
        }
    }
    // A context from another machine (plain Google Benchmark) still differs.
    const auto plain = nlohmann::ordered_json::parse(
        R"({"context": {"host_name": "x", "num_cpus": 2}, "benchmarks": [{"name": "a", "iterations": 1,
            "real_time": 1.0, "cpu_time": 1.0, "time_unit": "ns"}]})");
    CHECK(gbench_to_results(plain).provenance.fingerprint != native.provenance.fingerprint);
}

TEST_CASE("merging stores copies missing runs once and leaves sources unchanged",
          "[track][store]") {
    TempDir dir("merge");
    const std::string a = dir.file("a.db"), b = dir.file("b.db"), t = dir.file("t.db");
    record_results(test_suite(2, 1, "2025-01-01T00:00:00Z"), a);
    record_results(test_suite(2, 2, "2025-01-02T00:00:00Z"), a, {"nightly", "", 10000});
    record_results(test_suite(2, 2, "2025-01-02T00:00:00Z"), b);  // same run as a's second
    record_results(test_suite(2, 3, "2025-01-03T00:00:00Z"), b);
    const std::string b_before = read_file(b);
    StoreOptions create;
    create.create = true;
    Store target = Store::open(t, create);
    const MergeOutcome ma = merge_store(target, t, a);
    CHECK(ma.added == 2);
    const MergeOutcome mb = merge_store(target, t, b);
    CHECK(mb.added == 1);
    CHECK(mb.already_present == 1);
    CHECK(merge_store(target, t, b).added == 0);  // idempotent
    CHECK(read_file(b) == b_before);
    const auto runs = target.runs();
    REQUIRE(runs.size() == 3);
    CHECK(runs[1].tag == "nightly");
    CHECK(target.load_run(runs[2].id).doc.results[0].measurement.samples ==
          test_suite(2, 3, "2025-01-03T00:00:00Z").results[0].measurement.samples);
    CHECK_THROWS_WITH(merge_store(target, t, t), Catch::Contains("into itself"));
}
