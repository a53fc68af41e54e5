// CLI error paths and output, run in-process through cli_main.
#include <catch2/catch.hpp>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli_runner.hpp"
#include "core/atomic_file.hpp"
#include "measure/result_json.hpp"

using namespace flopmeter;
using flopmeter::test::cli;
using flopmeter::test::Run;

namespace {}  // namespace

TEST_CASE("bad input gives one clear line and exit code 2", "[cli]") {
    struct Bad {
        std::vector<std::string> args;
        std::string expect;
    };
    const std::vector<Bad> cases = {
        {{"bench", "gemm", "--size", "0"}, "must be a positive integer"},
        {{"bench", "gemm", "--m", "-5", "--n", "4", "--k", "4"}, "must be a positive integer"},
        {{"bench", "gemm", "--size", "99999999999999999999999"}, "error"},
        {{"bench", "gemm", "--size", "1000000"}, "memory"},
        {{"bench", "gemm", "--size", "64", "--backend", "cublas"},
         "valid: own, openblas, onednn, reference"},
        {{"bench", "gemm", "--size", "64", "--dtype", "fp8"}, "valid: fp32, fp64, bf16"},
        {{"bench", "gemm", "--size", "64", "--layout", "tt"}, "valid: nn, nt, tn"},
        {{"bench", "gemm", "--size", "64", "--backend", "onednn", "--dtype", "fp64"}, "onednn"},
        {{"bench", "gemm"}, "no shape given"},
        {{"bench", "gemm", "--m", "64"}, "give all of --m, --n and --k"},
        {{"bench", "gemm", "--size", "64", "--threads", "-1"}, "--threads"},
        {{"bench", "gemm", "--size", "64", "--preset", "huge"}, "unknown --preset"},
        {{"bench", "gemm", "--size", "64", "--json", "/nonexistent-dir/x.json", "--budget", "0.05"},
         "cannot write"},
        {{"frobnicate"}, "error"},
        {{}, "error"},
    };
    for (const auto& c : cases) {
        const Run r = cli(c.args);
        std::string joined;
        for (const auto& a : c.args) joined += a + " ";
        INFO("flopmeter " << joined << "-> " << r.code << "\n" << r.err);
        CHECK(r.code == 2);
        CHECK(r.err.find(c.expect) != std::string::npos);
        CHECK(r.err.find("flopmeter: error:") == 0);
    }
}

TEST_CASE("bench gemm prints a side-by-side table and writes JSON that parses back", "[cli]") {
    const std::string path = "test_cli_bench.json";
    std::remove(path.c_str());
    const Run r = cli({"bench", "gemm", "--size", "48,64", "--backend", "own,reference", "--budget",
                       "0.05", "--min-samples", "6", "--threads", "1", "--json", path});
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("GFLOP/s") != std::string::npos);
    CHECK(r.out.find("vs own") != std::string::npos);
    CHECK(r.out.find("reference naive") != std::string::npos);
    const ResultsDocument doc = results_from_json_string(read_file(path));
    REQUIRE(doc.results.size() == 4);
    for (const auto& c : doc.results) {
        CHECK(c.status == CaseStatus::ok);
        CHECK(c.validated);
        CHECK(c.model_flops_per_s() > 0);
        CHECK(!c.measurement.samples.empty());
    }
    std::remove(path.c_str());
}

TEST_CASE("info prints the machine and backends", "[cli]") {
    const Run r = cli({"info"});
    REQUIRE(r.code == 0);
    for (const char* s : {"CPU", "ISA", "Cache L1", "GEMM backends", "own", "Fingerprint"})
        CHECK(r.out.find(s) != std::string::npos);
}
