#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "measure/gemm_case.hpp"
#include "measure/result_json.hpp"

using namespace flopmeter;

TEST_CASE("results JSON round-trips", "[json]") {
    MeasureOptions mo;
    mo.sampler.budget_s = 0.2;
    mo.sampler.min_samples = 6;
    MeasureContext ctx(1);
    CaseResult r = measure_gemm(
        {"own", GemmProblem{64, 48, 32, Layout::nt, DType::fp32, 1.0, 0.5}, 1}, mo, ctx);
    REQUIRE(r.status == CaseStatus::ok);
    ResultsDocument doc;
    doc.provenance = collect_provenance();
    doc.results.push_back(r);
    doc.warnings = {"a warning"};
    const std::string text = results_to_json_string(doc);
    const ResultsDocument back = results_from_json_string(text);
    REQUIRE(back.results.size() == 1);
    const CaseResult& b = back.results[0];
    CHECK(b.name == r.name);
    CHECK(b.backend == "own");
    CHECK(b.dims == r.dims);
    CHECK(b.params == r.params);
    CHECK(b.model_flops == r.model_flops);
    CHECK(b.executed_flops == r.executed_flops);
    CHECK(b.bytes == r.bytes);
    CHECK(b.kernel_set == r.kernel_set);
    CHECK(b.validated);
    CHECK(b.measurement.samples == r.measurement.samples);
    CHECK(b.measurement.stats.median == r.measurement.stats.median);
    CHECK(b.model_flops_per_s() == Approx(r.model_flops_per_s()));
    CHECK(back.provenance.fingerprint == doc.provenance.fingerprint);
    CHECK(back.provenance.cpu_model == doc.provenance.cpu_model);
    CHECK(back.warnings == doc.warnings);
    // Serialising again gives the same text: nothing is lost or reordered.
    CHECK(results_to_json_string(back) == text);
}

TEST_CASE("results JSON reader rejects what it does not understand", "[json]") {
    CHECK_THROWS_AS(results_from_json_string("{not json"), UsageError);
    CHECK_THROWS_AS(results_from_json_string(R"({"schema": "other"})"), UsageError);
    CHECK_THROWS_AS(
        results_from_json_string(R"({"schema": "flopmeter.results", "schema_version": 99})"),
        UsageError);
    CHECK_THROWS_AS(
        results_from_json_string(R"({"schema": "flopmeter.results", "schema_version": 1})"),
        UsageError);
    try {
        results_from_json_string(R"({"schema": "flopmeter.results", "schema_version": 2})");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()).find("newer") != std::string::npos);
    }
}

TEST_CASE("fingerprint is stable across collections", "[json][provenance]") {
    const Provenance a = collect_provenance(), b = collect_provenance();
    CHECK(a.fingerprint == b.fingerprint);
    CHECK(!a.fingerprint.empty());
    CHECK(a.fingerprint == compute_fingerprint(a));
}
