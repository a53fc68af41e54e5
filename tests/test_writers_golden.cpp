// Golden-output tests of the JSON, Markdown, CSV and Google Benchmark writers: a fixed results
// document must print byte for byte as the files in tests/golden/. After an intended format
// change, regenerate them with FLOPMETER_UPDATE_GOLDEN=1 and review the diff.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/atomic_file.hpp"
#include "measure/writers.hpp"

using namespace flopmeter;

namespace {

ResultsDocument fixed_document() {
    ResultsDocument d;
    Provenance& p = d.provenance;
    p.tool_version = "0.1.0";
    p.git_sha = "0123456789abcdef0123456789abcdef01234567";
    p.build_type = "Release";
    p.compiler = "GNU 12.2.0";
    p.compiler_flags = "-O3 -DNDEBUG";
    p.cpu_vendor = "AuthenticAMD";
    p.cpu_model = "Example CPU";
    p.cpu_family = 25;
    p.cpu_model_id = 17;
    p.isa_flags = "fma avx avx2 avx512f";
    p.isa_supported = "avx512";
    p.isa_active = "avx512";
    p.packages = 1;
    p.cores = 2;
    p.pus = 2;
    p.numa_nodes = 1;
    p.memory_bytes = 25769803776;
    p.caches = {{1, "data", 32768, 64, 2, 1}, {3, "unified", 33554432, 64, 1, 2}};
    p.topology_summary = "packages=1 cores=2 pus=2 numa=1 L1=32KiBx2 L3=32MiBx1";
    p.topology_digest = "00000000deadbeef";
    p.os = "Linux 6.1 x86_64";
    p.hostname = "golden";
    p.hwloc_version = "2.8.0";
    p.openblas_corename = "SkylakeX";
    p.env = {{"OPENBLAS_CORETYPE", "SkylakeX"}};
    p.date_utc = "2026-01-02T03:04:05Z";
    p.fingerprint = compute_fingerprint(p);
    d.warnings = {"OPENBLAS_CORETYPE=SkylakeX overrides OpenBLAS's CPU detection"};

    CaseResult r;
    r.op = "gemm";
    r.name = "gemm/own/fp32/nn/64x48x32/t1";
    r.backend = "own";
    r.dtype = "fp32";
    r.dims = {{"m", 64}, {"n", 48}, {"k", 32}};
    r.params = {{"layout", "nn"}, {"alpha", "1"}, {"beta", "0"}};
    r.threads = 1;
    r.binding = "threads 0 pinned to cores 0 (hwloc)";
    r.kernel_set = "sgemm_avx512_12x32";
    r.model_flops = r.executed_flops = 2.0 * 64 * 48 * 32;
    r.bytes = 4.0 * (64 * 32 + 32 * 48 + 64 * 48);
    r.validated = true;
    r.validation_max_error = 0.125;
    r.validation_checked = 3072;
    r.validation_detail = "3072 entries checked";
    r.measurement.samples = {2e-6, 2.5e-6, 2e-6, 2.25e-6, 2e-6, 3e-6, 2e-6, 2e-6};
    r.measurement.stats = summarize(r.measurement.samples);
    r.measurement.converged = false;
    r.measurement.stop_reason = "budget";
    r.measurement.calls_per_sample = 500;
    r.measurement.flagged = {5};
    r.clock_ghz_before = 3.5;
    r.clock_ghz_after = 3.0;
    r.clock_ghz_min = 3.0;
    r.clock_ghz_reference = 3.5;
    r.contended = true;
    r.ceiling_flops_per_s = 2e11;
    r.pct_of_ceiling = r.model_flops_per_s() / 2e11;
    r.warnings = {"UNCONVERGED: example", "CONTENDED: example"};
    d.results.push_back(r);

    CaseResult bad = r;
    bad.name = "gemm/broken/fp32/nn/64x48x32/t1";
    bad.backend = "broken";
    bad.status = CaseStatus::validation_failed;
    bad.error = "validation failed: C[0][0] = 1, expected 2";
    bad.measurement = {};
    bad.warnings = {};
    d.results.push_back(bad);
    return d;
}

void check_golden(const std::string& name, const std::string& text) {
    const std::string path = std::string(FLOPMETER_SOURCE_DIR) + "/tests/golden/" + name;
    if (std::getenv("FLOPMETER_UPDATE_GOLDEN")) {
        write_file_atomic(path, text);
        WARN("updated " << path);
        return;
    }
    const std::string want = read_file(path);
    INFO("golden file " << path << " (FLOPMETER_UPDATE_GOLDEN=1 regenerates it)");
    CHECK(text == want);
}

}  // namespace

TEST_CASE("writers match their golden outputs", "[writers][golden]") {
    const ResultsDocument d = fixed_document();
    check_golden("results.json", results_to_json_string(d));
    check_golden("results.md", results_to_markdown(d));
    check_golden("results.csv", results_to_csv(d));
    check_golden("results.gbench.json", results_to_gbench_json(d));
    check_golden("results.gbench.r3.json", results_to_gbench_json(d, 3));
}

TEST_CASE("the golden JSON reads back to the same document", "[writers][golden]") {
    const std::string text = results_to_json_string(fixed_document());
    CHECK(results_to_json_string(results_from_json_string(text)) == text);
}
