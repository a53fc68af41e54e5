// Calibration: the rate model recovers a known generating model, held-out errors are computed
// as stated, profiles round-trip and broken ones are rejected by the schema.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "calibrate/datasheet.hpp"
#include "calibrate/fit.hpp"
#include "calibrate/profile.hpp"
#include "calibrate/profile_predictor.hpp"
#include "calibrate/profile_store.hpp"
#include "calibrate/rate_model.hpp"
#include "core/error.hpp"

using namespace flopmeter;

namespace {

// A machine whose GEMM time is exactly 5 us + flops / 100 GFLOP/s + bytes / 20 GB/s.
double truth(std::int64_t m, std::int64_t n, std::int64_t k) {
    const auto f = gemm_features(m, n, k, DType::fp32);
    return 5e-6 + f[1] / 100e9 + f[2] / 20e9;
}

// A backend whose tiles the rate model does not know (calibrate/gemm_tiling.hpp), so the fit
// is on model FLOPs and the synthetic truth above is recovered exactly.
CaseResult gemm_result(std::int64_t m, std::int64_t n, std::int64_t k, double seconds,
                       bool held_out) {
    CaseResult r;
    r.op = "gemm";
    r.backend = "openblas";
    r.dtype = "fp32";
    r.name = "gemm/openblas/fp32/nn/" + std::to_string(m) + "x" + std::to_string(n) + "x" +
             std::to_string(k);
    r.dims = {{"m", m}, {"n", n}, {"k", k}};
    r.params = {{"layout", "nn"}, {"calibration_role", held_out ? "held_out" : "fit"}};
    r.measurement.samples = {seconds, seconds, seconds};
    r.measurement.stats = summarize(r.measurement.samples);
    r.validated = true;
    return r;
}

}  // namespace

TEST_CASE("the linear part recovers a known generating model", "[calibrate][fit]") {
    std::vector<FitSample> s;
    for (std::int64_t m : {1, 16, 128, 512, 2048})
        for (std::int64_t nk : {256, 1024, 4096})
            s.push_back({gemm_coords(m, nk, nk), gemm_features(m, nk, nk, DType::fp32),
                         truth(m, nk, nk), 0, "x"});
    const OpRateModel m = fit_op_model("gemm/own/fp32/nn", gemm_feature_names(), s, 0);
    REQUIRE(m.coef.size() == 3);
    CHECK(m.coef[0] == Approx(5e-6).epsilon(1e-6));
    CHECK(m.coef[1] == Approx(1.0 / 100e9).epsilon(1e-6));
    CHECK(m.coef[2] == Approx(1.0 / 20e9).epsilon(1e-6));
    CHECK(m.fit_rms_rel_error < 1e-9);
    // Unseen shapes, inside and outside the measured range, are predicted exactly.
    for (auto [mm, nn, kk] :
         std::vector<std::array<std::int64_t, 3>>{{300, 700, 900}, {8192, 8192, 8192}, {3, 5, 7}}) {
        const auto f = gemm_features(mm, nn, kk, DType::fp32);
        CHECK(m.predict(gemm_coords(mm, nn, kk), f, f[1]).seconds ==
              Approx(truth(mm, nn, kk)).epsilon(1e-6));
    }
}

TEST_CASE("the correction reproduces measured shapes and interpolates between them",
          "[calibrate][fit]") {
    // A machine whose efficiency drops for skinny M (what tile padding does): t = truth * (1 +
    // 8/M).
    std::vector<FitSample> s;
    auto t2 = [](std::int64_t m, std::int64_t n, std::int64_t k) {
        return truth(m, n, k) * (1.0 + 8.0 / double(m));
    };
    for (std::int64_t m : {1, 4, 16, 64, 256, 1024})
        for (std::int64_t nk : {512, 2048})
            s.push_back({gemm_coords(m, nk, nk), gemm_features(m, nk, nk, DType::fp32),
                         t2(m, nk, nk), 0, "x"});
    const OpRateModel m = fit_op_model("k", gemm_feature_names(), s, 0);
    for (const auto& x : s)
        CHECK(m.predict(x.coords, x.features, 0).seconds == Approx(x.seconds).epsilon(1e-9));
    // Between measured M values the error stays small (the linear part alone is far off at M = 2).
    const auto f = gemm_features(8, 1024, 1024, DType::fp32);
    const double pred = m.predict(gemm_coords(8, 1024, 1024), f, 0).seconds;
    CHECK(std::fabs(pred / t2(8, 1024, 1024) - 1) < 0.15);
    // Beyond the range by more than the margin: linear model only, and said so.
    const auto fx = gemm_features(8, 65536, 65536, DType::fp32);
    CHECK(m.predict(gemm_coords(8, 65536, 65536), fx, 0).extrapolated);
}

TEST_CASE("predictions never beat the measured ceiling", "[calibrate][fit]") {
    std::vector<FitSample> s;
    for (std::int64_t x : {64, 128, 256, 512})
        s.push_back({gemm_coords(x, x, x), gemm_features(x, x, x, DType::fp32), 1e-9, 0, "x"});
    const OpRateModel m = fit_op_model("k", gemm_feature_names(), s, 1e9);  // ceiling 1 GFLOP/s
    const auto f = gemm_features(1000, 1000, 1000, DType::fp32);
    const auto r = m.predict(gemm_coords(1000, 1000, 1000), f, f[1]);
    CHECK(r.ceiling_bound);
    CHECK(r.seconds == Approx(f[1] / 1e9));
}

TEST_CASE("held-out errors are computed against models fitted without them", "[calibrate][fit]") {
    DeviceProfile p;
    p.name = "synthetic";
    p.kind = "measured";
    p.device = "cpu";
    p.ceilings.push_back({"fp32", 1e15, 1, "", ""});
    for (std::int64_t m : {16, 64, 256, 1024})
        for (std::int64_t nk : {256, 1024})
            p.measurements.push_back(gemm_result(m, nk, nk, truth(m, nk, nk), false));
    // Held-out shapes measured 10% slower than the truth: relative errors of -1/11 each.
    p.measurements.push_back(gemm_result(128, 512, 512, truth(128, 512, 512) * 1.1, true));
    p.measurements.push_back(gemm_result(32, 512, 512, truth(32, 512, 512) * 1.1, true));
    fit_profile(p);
    REQUIRE(p.held_out.size() == 2);
    for (const auto& h : p.held_out) CHECK(h.rel_error() == Approx(-1.0 / 11.0).epsilon(1e-3));
    REQUIRE(p.held_out_summary.size() == 1);
    CHECK(p.held_out_summary[0].op == "gemm");
    CHECK(p.held_out_summary[0].median_abs_error == Approx(1.0 / 11.0).epsilon(1e-3));
    // The held-out shapes were not fitted on: the model has only the 8 fit points.
    REQUIRE(p.rate_model.ops.size() == 1);
    CHECK(p.rate_model.ops[0].point_coords.size() == 8);
}

TEST_CASE("profiles round-trip through JSON and the schema", "[calibrate][profile]") {
    for (const auto& d : datasheet_profiles()) {
        const auto j = profile_to_json(d);
        const DeviceProfile back = profile_from_json(j);
        CHECK(back.name == d.name);
        CHECK(back.ceiling("bf16") == d.ceiling("bf16"));
        CHECK(back.facts.memory_bandwidth == d.facts.memory_bandwidth);
        CHECK(profile_to_json(back) == j);
        for (const auto& c : d.ceilings)
            CHECK(!c.source.empty());  // every datasheet figure is cited
        for (const char* k :
             {"memory_bytes", "tdp_watts", "price_per_hour", "intra_node_bandwidth"})
            CHECK(d.sources.count(k) == 1);
    }
}

TEST_CASE("broken profiles are rejected with a reason", "[calibrate][profile]") {
    const auto good = profile_to_json(*find_datasheet_profile("h100-sxm"));
    auto reject = [](nlohmann::ordered_json j, const std::string& expect) {
        try {
            profile_from_json(j);
            FAIL("accepted a broken profile (expected: " << expect << ")");
        } catch (const UsageError& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(expect) != std::string::npos);
        }
    };
    auto j = good;
    j.erase("facts");
    reject(j, "facts");
    j = good;
    j["kind"] = "guessed";
    reject(j, "/kind");
    j = good;
    j["bandwidth"][0]["bytes_per_s"] = -5;
    reject(j, "/bandwidth/0/bytes_per_s");
    j = good;
    j["schema_version"] = 99;
    reject(j, "newer");
    j = good;
    j["schema"] = "flopmeter.results";
    reject(j, "not a flopmeter profile");
    j = good;
    j["rate_model"]["ops"] = nlohmann::ordered_json::array({{{"key", "x"}}});
    reject(j, "rate_model");
}

TEST_CASE("datasheet predictions follow peak x stated efficiency", "[calibrate][predict]") {
    auto p = load_predictor("h100-sxm");
    const Prediction g = p->gemm(GemmQuery{8192, 8192, 8192, Layout::nn, DType::bf16, 1});
    // 0.75 in full waves; 8192^2 fills 2048 128x256 tiles into 16 waves of 132 SMs; each tile's
    // fixed cost is 400 of K depth.
    CHECK(g.seconds == Approx(2.0 * 8192.0 * 8192 * 8192 /
                              (989.4e12 * 0.75 * 2048.0 / (16 * 132) * 8192.0 / (8192 + 400))));
    CHECK(g.source.find("datasheet") != std::string::npos);
    // Decode-shaped GEMMs are memory-bound: the bandwidth term wins.
    const Prediction d = p->gemm(GemmQuery{1, 8192, 8192, Layout::nn, DType::bf16, 1});
    CHECK(d.source.find("memory-bound") != std::string::npos);
    CHECK_THROWS_AS(load_predictor("no-such-gpu"), UsageError);
    const Prediction c = p->comm(CommQuery{Collective::all_reduce, 1e9, 8, false});
    CHECK(c.seconds == Approx(2.0 * 7 / 8 * 1e9 / (450e9 * 0.8) + 14 * 10e-6));
}
