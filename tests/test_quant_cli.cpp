// `flopmeter bench quant`: bad input exits 2 with one line naming the problem; a small run
// validates every case and prints the DRAM bandwidth of the same run.
#include <catch2/catch.hpp>

#include "tests/cli_runner.hpp"

using flopmeter::test::cli;

TEST_CASE("bench quant: bad input exits 2", "[quant][cli]") {
    auto r = cli({"bench", "quant", "--m", "1", "--n", "64", "--k", "256", "--format", "q5_0"});
    CHECK(r.code == 2);
    CHECK(r.err.find("unknown quantized format 'q5_0'") != std::string::npos);
    r = cli({"bench", "quant", "--m", "1", "--n", "64", "--k", "384", "--format", "q4_g256"});
    CHECK(r.code == 2);
    CHECK(r.err.find("does not divide K = 384") != std::string::npos);
    r = cli({"bench", "quant", "--m", "1", "--n", "64", "--k", "96", "--format", "q8_0"});
    CHECK(r.code == 2);
    r = cli({"bench", "quant", "--m", "1", "--n", "64", "--k", "256", "--act", "int3"});
    CHECK(r.code == 2);
    r = cli({"bench", "quant", "--m", "1", "--n", "64", "--k", "256", "--backend", "ggml"});
    CHECK(r.code == 2);
    r = cli({"bench", "quant", "--m", "1", "--n", "64", "--k", "256", "--isa", "neon"});
    CHECK(r.code == 2);
    r = cli({"bench", "quant"});
    CHECK(r.code == 2);
    CHECK(r.err.find("no shape given") != std::string::npos);
}

TEST_CASE("bench quant: a small run validates and reports", "[quant][cli]") {
    const auto r = cli({"bench",         "quant",
                        "--m",           "3",
                        "--n",           "64",
                        "--k",           "256",
                        "--format",      "q4_0,q8_g256",
                        "--act",         "int8,fp32",
                        "--no-dram",     "--no-clock-probe",
                        "--cache",       "warm",
                        "--budget",      "0.05",
                        "--min-samples", "3"});
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("q4_0") != std::string::npos);
    CHECK(r.out.find("q8_g256") != std::string::npos);
    CHECK(r.out.find("FAILED") == std::string::npos);
}
