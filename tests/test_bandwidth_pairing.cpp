// A case paired with a reference bandwidth read interleaved with it (measure/result.hpp's
// BandwidthPairing): each repetition's ratio is its rate over the mean of the readings right
// before and after it; the summary is the median over repetitions; rounds pool across bench
// rounds and survive the results JSON; bench quant reads the DRAM bandwidth around every
// repetition, and --no-dram leaves the pairing out.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli_runner.hpp"
#include "core/error.hpp"
#include "measure/bench_runner.hpp"
#include "measure/result_json.hpp"
#include "measure/roofline/bandwidth.hpp"

using namespace flopmeter;

namespace {
BandwidthPairing::Round round_of(double c, double before, double after) {
    BandwidthPairing::Round r;
    r.case_bytes_per_s = c;
    r.reference_before = before;
    r.reference_after = after;
    return r;
}
}  // namespace

TEST_CASE("bandwidth pairing: per-repetition ratio over the mean of its two readings, median",
          "[quant][pairing]") {
    BandwidthPairing p;
    CHECK(p.empty());
    CHECK(p.ratio_median() == 0.0);
    p.rounds = {round_of(30, 40, 60), round_of(10, 40, 40), round_of(45, 50, 50)};
    CHECK(p.rounds[0].ratio() == Approx(0.6));  // 30 / 50, not 30 / 60 (the higher) or 30 / 40
    CHECK(p.ratio_median() == Approx(0.6));     // 0.25, 0.6, 0.9
    CHECK(p.ratio_min() == Approx(0.25));
    CHECK(p.ratio_max() == Approx(0.9));
    p.rounds.push_back(round_of(20, 25, 25));  // 0.8: even count, the mean of the middle two
    CHECK(p.ratio_median() == Approx(0.7));
}

TEST_CASE("bandwidth pairing: rounds pool and survive the results JSON", "[quant][pairing][json]") {
    CaseResult a, b;
    a.name = b.name = "x";
    a.measurement.samples = {1e-3, 1e-3, 1e-3};
    b.measurement.samples = {2e-3, 2e-3, 2e-3};
    a.bandwidth_pairing.reference = b.bandwidth_pairing.reference = "dram_read";
    a.bandwidth_pairing.rounds = {round_of(30, 40, 60)};
    b.bandwidth_pairing.rounds = {round_of(10, 40, 40)};
    pool_round(a, b, SamplerConfig{});
    REQUIRE(a.bandwidth_pairing.rounds.size() == 2);
    CHECK(a.bandwidth_pairing.rounds[1].case_bytes_per_s == 10);

    ResultsDocument doc;
    doc.provenance = collect_provenance();
    doc.results.push_back(a);
    const std::string text = results_to_json_string(doc);
    const auto j = nlohmann::json::parse(text);
    const auto& br = j["results"][0]["bandwidth_reference"];
    CHECK(br["reference"] == "dram_read");
    CHECK(br["ratio_median"].get<double>() == Approx(0.425));
    CHECK(br["rounds"].size() == 2);
    CHECK(br["rounds"][0]["ratio"].get<double>() == Approx(0.6));
    const ResultsDocument back = results_from_json_string(text);
    REQUIRE(back.results[0].bandwidth_pairing.rounds.size() == 2);
    CHECK(back.results[0].bandwidth_pairing.rounds[0].reference_after == 60);
    CHECK(results_to_json_string(back) == text);
    // A case without a pairing writes none.
    doc.results[0].bandwidth_pairing = {};
    CHECK(nlohmann::json::parse(results_to_json_string(doc))["results"][0].count(
              "bandwidth_reference") == 0);
}

TEST_CASE("bandwidth meter: repeated readings from one allocation", "[pairing][roofline]") {
    BandwidthMeter m({"L2", 64 << 10}, BwKernel::read, 1, 0.002);
    const BandwidthResult a = m.measure(2), b = m.measure(2);
    CHECK(a.stream_bytes_per_s > 0);
    CHECK(b.stream_bytes_per_s > 0);
    CHECK(a.working_set == b.working_set);
    CHECK(a.level == "L2");
}

TEST_CASE("bandwidth meter: a short read timed like a kernel call", "[pairing][roofline]") {
    BandwidthMeter m({"L2", 64 << 10}, BwKernel::read, 1, 0.002);
    int before = 0;
    CHECK(m.measure_short_read(16 << 10, 5, [&] { ++before; }) > 0);
    CHECK(before == 5);
    BandwidthMeter w({"L2", 64 << 10}, BwKernel::write, 1, 0.002);
    CHECK_THROWS_AS(w.measure_short_read(16 << 10, 1, {}), UsageError);
}

TEST_CASE("bandwidth pairing: the short-read ratio only over rounds that have one",
          "[quant][pairing]") {
    BandwidthPairing p;
    p.rounds = {round_of(30, 40, 60), round_of(10, 40, 40)};
    CHECK(p.short_read_ratio_median() == 0.0);
    p.rounds[0].short_read_before = 50;
    p.rounds[0].short_read_after = 70;  // 30 / 60
    CHECK(p.rounds[0].short_read_ratio() == Approx(0.5));
    CHECK(p.short_read_ratio_median() == Approx(0.5));
}

TEST_CASE("bench quant: the DRAM read around every repetition, paired ratios in table and JSON",
          "[quant][cli][pairing]") {
    char path[] = "/tmp/fm_pairing_XXXXXX.json";
    const int fd = mkstemps(path, 5);
    REQUIRE(fd >= 0);
    close(fd);
    const auto r = flopmeter::test::cli({"bench",
                                         "quant",
                                         "--m",
                                         "1",
                                         "--n",
                                         "64",
                                         "--k",
                                         "256",
                                         "--format",
                                         "q8_0",
                                         "--threads",
                                         "1",
                                         "--no-clock-probe",
                                         "--cache",
                                         "warm",
                                         "--budget",
                                         "0.02",
                                         "--min-samples",
                                         "3",
                                         "--rounds",
                                         "2",
                                         "--json",
                                         path});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("%DRAM range") != std::string::npos);
    CHECK(r.out.find("4 readings") != std::string::npos);  // before and after each of 2 repetitions
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::remove(path);
    const auto j = nlohmann::json::parse(ss.str());
    const auto& br = j["results"][0]["bandwidth_reference"];
    REQUIRE(br["rounds"].size() == 2);
    for (const auto& x : br["rounds"]) {
        CHECK(x["reference_before"].get<double>() > 0);
        CHECK(x["reference_after"].get<double>() > 0);
        CHECK(x["ratio"].get<double>() == Approx(x["case_bytes_per_s"].get<double>() /
                                                 (0.5 * (x["reference_before"].get<double>() +
                                                         x["reference_after"].get<double>()))));
    }
}

TEST_CASE("bench quant, cold: a plain read of the case's bytes beside the DRAM reference",
          "[quant][cli][pairing]") {
    char path[] = "/tmp/fm_pairing_cold_XXXXXX.json";
    const int fd = mkstemps(path, 5);
    REQUIRE(fd >= 0);
    close(fd);
    const auto r = flopmeter::test::cli({"bench",
                                         "quant",
                                         "--m",
                                         "1",
                                         "--n",
                                         "64",
                                         "--k",
                                         "256",
                                         "--format",
                                         "q4_0",
                                         "--threads",
                                         "1",
                                         "--no-clock-probe",
                                         "--cache",
                                         "cold",
                                         "--budget",
                                         "0.02",
                                         "--min-samples",
                                         "3",
                                         "--json",
                                         path});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("%read") != std::string::npos);
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::remove(path);
    const auto j = nlohmann::json::parse(ss.str());
    const auto& br = j["results"][0]["bandwidth_reference"];
    REQUIRE(br["rounds"].size() == 1);
    const auto& x = br["rounds"][0];
    CHECK(x["short_read_before"].get<double>() > 0);
    CHECK(x["short_read_after"].get<double>() > 0);
    CHECK(x["short_read_ratio"].get<double>() ==
          Approx(x["case_bytes_per_s"].get<double>() /
                 (0.5 *
                  (x["short_read_before"].get<double>() + x["short_read_after"].get<double>()))));
    CHECK(br["short_read_ratio_median"].get<double>() ==
          Approx(x["short_read_ratio"].get<double>()));
}
