// `flopmeter bench attention` in-process: bad input gives one clear line and exit code 2; a
// run prints backends side by side and writes JSON that parses back with validated results.
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

namespace {

using test::Run;

// `flopmeter bench attention ARGS`, in-process.
Run cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"bench", "attention"});
    return test::cli(std::move(args));
}

int lines(const std::string& s) {
    int n = 0;
    for (char c : s) n += c == '\n';
    return n;
}

}  // namespace

TEST_CASE("bench attention: bad input gives one clear line and exit code 2", "[cli][attention]") {
    struct Bad {
        std::vector<std::string> args;
        std::string expect;
    };
    const std::vector<std::string> ok = {"--heads", "4", "--seq-q", "16", "--head-dim", "16"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = ok;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    const std::vector<Bad> cases = {
        {with({"--kv-heads", "3"}), "heads=4 is not divisible by kv_heads=3"},
        {{"--heads", "4", "--seq-q", "0", "--head-dim", "16"},
         "seq_q=0 must be a positive integer"},
        {with({"--seq-k", "0"}), "seq_k=0 must be a positive integer"},
        {with({"--batch", "0"}), "batch=0 must be a positive integer"},
        {{"--heads", "0", "--seq-q", "8", "--head-dim", "16"},
         "heads=0 must be a positive integer"},
        {{"--heads", "4", "--seq-q", "8", "--head-dim", "0"},
         "head_dim=0 must be a positive integer"},
        {{"--heads", "4", "--seq-q", "8", "--head-dim", "512"},
         "head_dim=512 is above the supported limit of 256"},
        {with({"--value-dim", "1024"}), "value_dim=1024 is above the supported limit of 256"},
        {{"--batch", "1000000", "--heads", "1000000", "--seq-q", "1000000", "--head-dim", "128"},
         "overflow"},
        {{"--heads", "64", "--seq-q", "10000000", "--head-dim", "128"}, "memory"},
        {{"--heads", "64", "--seq-q", "200000", "--head-dim", "8", "--backend", "unfused"},
         "materialises"},
        {{"--heads", "4", "--seq-q", "99999999999999999999999", "--head-dim", "8"}, "error"},
        {with({"--backend", "flash9"}), "valid: own, unfused:own, unfused:openblas, reference"},
        {with({"--dtype", "fp64"}), "valid: fp32, bf16"},
        {with({"--pass", "sideways"}), "valid: fwd, bwd, fwd+bwd"},
        {with({"--mask", "sliding"}), "valid: full, causal"},
        {with({"--scale", "-1"}), "scale"},
        {with({"--threads", "-2"}), "--threads"},
        {with({"--preset", "huge"}), "unknown --preset"},
        {{"--seq-q", "8"}, "give all of --heads, --seq-q and --head-dim"},
        {{}, "give --heads, --seq-q and --head-dim"},
        {with({"--json", "/nonexistent-dir/x.json"}), "cannot write"},
    };
    for (const auto& c : cases) {
        const Run r = cli(c.args);
        std::string joined;
        for (const auto& a : c.args) joined += a + " ";
        INFO("flopmeter bench attention " << joined << "-> " << r.code << "\n" << r.err);
        CHECK(r.code == 2);
        CHECK(r.err.find(c.expect) != std::string::npos);
        CHECK(r.err.find("flopmeter: error:") == 0);
        CHECK(lines(r.err) <= 2);  // one line (CLI11 parse errors add a usage hint)
    }
}

TEST_CASE("bench attention prints backends side by side and writes JSON that parses back",
          "[cli][attention]") {
    const std::string path = "test_attention_cli_bench.json";
    std::remove(path.c_str());
    const Run r = cli({"--heads",    "2",       "--kv-heads",       "1",
                       "--seq-q",    "40",      "--seq-k",          "56",
                       "--head-dim", "16",      "--mask",           "full,causal",
                       "--pass",     "fwd,bwd", "--backend",        "own,unfused,reference",
                       "--budget",   "0.03",    "--min-samples",    "3",
                       "--threads",  "1",       "--no-clock-probe", "--json",
                       path});
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    for (const char* s : {"GFLOP/s", "exec GF/s", "FA GF/s", "extra mem", "vs own", "flash_fwd_",
                          "flash_bwd_", "unfused: ", "reference ("})
        CHECK(r.out.find(s) != std::string::npos);
    CHECK(r.out.find("All timed kernels passed validation") != std::string::npos);
    const ResultsDocument doc = results_from_json_string(read_file(path));
    REQUIRE(doc.results.size() == 12);  // 2 passes x 2 masks x 3 backends
    for (const auto& c : doc.results) {
        INFO(c.name << ": " << c.error);
        CHECK(c.op == "attention");
        CHECK(c.status == CaseStatus::ok);
        CHECK(c.validated);
        CHECK(c.model_flops_per_s() > 0);
        // Executed >= model, except the unfused backward keeps P: 4 products per pair against 5.
        CHECK(c.executed_flops >=
              c.model_flops *
                  (c.backend == "unfused:own" && c.name.find("/bwd/") != std::string::npos ? 0.8
                                                                                           : 1.0));
        CHECK(!c.measurement.samples.empty());
        bool has_flash = false;
        for (const auto& [n, v] : c.params) has_flash |= n == "flash_convention_flops";
        CHECK(has_flash);
    }
    std::remove(path.c_str());
}

TEST_CASE("bench attention decode reports K+V bandwidth against DRAM measured in the same run",
          "[cli][attention]") {
    const Run r = cli({"--heads", "4", "--kv-heads", "1", "--seq-q", "1", "--seq-k", "4096",
                       "--head-dim", "64", "--budget", "0.03", "--min-samples", "3", "--threads",
                       "1", "--no-clock-probe", "--dram-ceiling"});
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("DRAM read bandwidth measured now") != std::string::npos);
    CHECK(r.out.find("%DRAM") != std::string::npos);
    CHECK(r.out.find("decode_") != std::string::npos);
}
