// Synthetic runs for the tracking tests: a fixed provenance (so fingerprints match unless a
// test changes the hardware), cases with log-normal timing samples from a seeded generator,
// and a temporary directory per test.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "measure/result_json.hpp"

namespace flopmeter::testing {

inline Provenance test_provenance(const std::string& date,
                                  const std::string& sha = "0123456789abcdef0123") {
    Provenance p;
    p.tool_version = "0.1.0";
    p.git_sha = sha;
    p.cpu_vendor = "GenuineIntel";
    p.cpu_model = "Test CPU 9000";
    p.cpu_family = 6;
    p.cpu_model_id = 85;
    p.isa_flags = "avx2 fma avx512f";
    p.topology_summary = "1 package, 2 cores, 2 PUs";
    p.memory_bytes = 24ll << 30;
    p.hostname = "testhost";
    p.date_utc = date;
    p.fingerprint = compute_fingerprint(p);
    return p;
}

// A case whose samples are median * lognormal(0, sigma).
inline CaseResult test_case(const std::string& name, double median, std::size_t n,
                            std::uint64_t seed, double sigma = 0.01, double ghz = 0) {
    CaseResult c;
    c.op = "gemm";
    c.name = name;
    c.backend = "own";
    c.dtype = "fp32";
    c.dims = {{"m", 64}, {"n", 64}, {"k", 64}};
    c.model_flops = c.executed_flops = 2.0 * 64 * 64 * 64;
    c.validated = true;
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> d(0.0, sigma);
    for (std::size_t i = 0; i < n; ++i) c.measurement.samples.push_back(median * d(rng));
    c.measurement.stats = summarize(c.measurement.samples);
    c.measurement.converged = true;
    c.measurement.stop_reason = "ci_target";
    c.clock_ghz_before = c.clock_ghz_after = c.clock_ghz_min = c.clock_ghz_reference = ghz;
    return c;
}

// A suite of `cases` cases; case k has median 1e-4 * (k + 1) seconds times `factor[k]`.
inline ResultsDocument test_suite(std::size_t cases, std::uint64_t seed, const std::string& date,
                                  const std::vector<double>& factor = {}, std::size_t n = 60) {
    ResultsDocument d;
    d.provenance = test_provenance(date);
    for (std::size_t k = 0; k < cases; ++k) {
        const double f = k < factor.size() ? factor[k] : 1.0;
        d.results.push_back(test_case("gemm/own/fp32/nn/case" + std::to_string(k),
                                      1e-4 * double(k + 1) * f, n, seed * 1000 + k));
    }
    return d;
}

// A fresh directory under the build tree's working directory, removed at scope exit.
struct TempDir {
    std::filesystem::path path;
    explicit TempDir(const std::string& tag) {
        path = std::filesystem::current_path() /
               ("track_test_" + tag + "_" + std::to_string(::getpid()) + "_" +
                std::to_string(std::rand()));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

struct CliRun {
    int code;
    std::string out, err;
};

inline CliRun run_cli(std::vector<std::string> args) {
    args.insert(args.begin(), "flopmeter");
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    const int code = cli_main(int(argv.size()), argv.data(), out, err);
    return {code, out.str(), err.str()};
}

}  // namespace flopmeter::testing
