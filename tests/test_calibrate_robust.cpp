// Robust calibration on a noisy machine: the low-quantile estimator, the interleaved visit
// schedule and the pooling of visits, the choice of points to measure again, the tile-padding
// rate model on known shapes, and profiles with (and without) the new fields.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "calibrate/fit.hpp"
#include "calibrate/gemm_tiling.hpp"
#include "calibrate/interleaved_sweep.hpp"
#include "calibrate/low_quantile.hpp"
#include "calibrate/profile.hpp"
#include "calibrate/profile_predictor.hpp"
#include "calibrate/rate_model.hpp"
#include "calibrate/visit_plan.hpp"
#include "core/error.hpp"
#include "core/flops.hpp"
#include "measure/stats.hpp"

using namespace flopmeter;

TEST_CASE("low quantile of pooled samples, flagged samples left out", "[calibrate-robust]") {
    const std::vector<double> s = {5, 1, 4, 2, 3};
    CHECK(low_quantile(s, {}, 0.2) == Approx(1.8));  // sorted 1..5, position 0.8
    CHECK(low_quantile(s, {}, 0.0) == Approx(1.0));
    CHECK(low_quantile(s, {}, 0.5) == Approx(3.0));
    // Samples 0 (5) and 1 (1) flagged: {2, 3, 4}, position 0.4.
    CHECK(low_quantile(s, {0, 1}, 0.2) == Approx(2.4));
    // Too few left (3 kept < 4 required): all samples count.
    CHECK(low_quantile(s, {0, 1}, 0.2, 4) == Approx(1.8));
    CHECK(low_quantile({}, {}, 0.2) == 0.0);

    CaseResult r;
    r.measurement.samples = {1.0, 1.1, 3.0, 1.05, 9.0};  // interference only adds time
    r.measurement.stats = summarize(r.measurement.samples);
    CHECK(fit_seconds(r) == Approx(1.04));  // sorted 1, 1.05, 1.1, 3, 9; position 0.8
    CHECK(r.seconds() == Approx(1.1));      // the median would take a disturbed sample's neighbour
}

TEST_CASE("interleaved schedule visits every case once per pass, spread over the run",
          "[calibrate-robust]") {
    const auto v = interleaved_schedule(7, 3, 42);
    REQUIRE(v.size() == 21);
    std::map<std::size_t, int> count;
    for (int p = 0; p < 3; ++p) {
        std::vector<std::size_t> seen;
        for (std::size_t i = std::size_t(p) * 7; i < std::size_t(p + 1) * 7; ++i) {
            CHECK(v[i].pass == p);
            seen.push_back(v[i].index);
            ++count[v[i].index];
        }
        std::sort(seen.begin(), seen.end());
        CHECK(seen == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6});  // each pass a permutation
    }
    for (const auto& [i, c] : count) CHECK(c == 3);
    for (std::size_t i = 1; i < v.size(); ++i)
        CHECK(v[i].index != v[i - 1].index);  // never twice in a row
    // Seeded: the same seed gives the same run, another seed another order.
    const auto again = interleaved_schedule(7, 3, 42), other = interleaved_schedule(7, 3, 43);
    bool same = true, differs = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        same = same && again[i].index == v[i].index;
        differs = differs || other[i].index != v[i].index;
    }
    CHECK(same);
    CHECK(differs);
    CHECK(interleaved_schedule(1, 2, 1).size() == 2);
    CHECK(interleaved_schedule(0, 2, 1).empty());
}

TEST_CASE("visits pool their samples, a failed visit is never hidden", "[calibrate-robust]") {
    SamplerConfig cfg;
    cfg.min_samples = 3;
    cfg.target_rel_ci = 0.5;
    CaseResult a;
    a.measurement.samples = {1.0, 1.2};
    a.measurement.flagged = {1};
    a.warnings = {"UNCONVERGED: old"};
    CaseResult b;
    b.measurement.samples = {0.9, 2.0, 1.1};
    b.measurement.flagged = {1};
    b.contended = true;
    b.warnings = {"CONTENDED: x"};
    pool_visit(a, b, cfg);
    CHECK(a.measurement.samples == std::vector<double>{1.0, 1.2, 0.9, 2.0, 1.1});
    CHECK(a.measurement.flagged ==
          std::vector<std::int64_t>{1, 3});  // shifted by the first visit's 2
    CHECK(a.contended);
    CHECK(case_visits(a) == 2);
    CHECK(std::count(a.warnings.begin(), a.warnings.end(), "CONTENDED: x") == 1);
    CHECK(std::none_of(a.warnings.begin(), a.warnings.end(),
                       [](const std::string& w) { return w == "UNCONVERGED: old"; }));
    CHECK(fit_seconds(a) == Approx(0.94));  // unflagged {0.9, 1.0, 1.1}: position 0.4

    CaseResult failed;
    failed.status = CaseStatus::validation_failed;
    failed.error = "validation failed: x";
    pool_visit(a, failed, cfg);
    CHECK(a.status == CaseStatus::validation_failed);
    CHECK(case_visits(a) == 3);
}

TEST_CASE("re-measurement picks contended and outlying fit points, worst first",
          "[calibrate-robust]") {
    std::vector<PointHealth> p(6);
    p[0] = {true, 0.5, true, 0.02};    // contended fit point: score 1.5
    p[1] = {false, 0.0, true, 0.30};   // outlying fit point: 0.30 / 0.15 = 2
    p[2] = {false, 0.0, false, 0.50};  // held-out point far off: never picked for its error
    p[3] = {false, 0.0, true, 0.05};   // fine
    p[4] = {true, 0.1, false, 0.0};    // contended held-out point: 1.1
    p[5] = {false, 0.0, true, 0.15};   // exactly at the threshold: not outlying
    const auto all = pick_remeasure(p, 0.15, 10);
    REQUIRE(all.size() == 3);
    CHECK(all[0].index == 1);
    CHECK(all[0].score == Approx(2.0));
    CHECK(all[0].reason == "outlier 30%");
    CHECK(all[1].index == 0);
    CHECK(all[1].score == Approx(1.5));
    CHECK(all[1].reason == "contended");
    CHECK(all[2].index == 4);
    const auto capped = pick_remeasure(p, 0.15, 2);
    REQUIRE(capped.size() == 2);
    CHECK(capped[1].index == 0);
}

TEST_CASE("leave-one-out error finds the point that disagrees with its neighbours",
          "[calibrate-robust]") {
    // Time exactly linear in flops, except one shape measured 40% slow.
    std::vector<FitSample> s;
    for (std::int64_t x : {64, 128, 256, 512, 1024, 2048}) {
        const auto f = gemm_features(x, x, x, DType::fp32);
        s.push_back(
            {gemm_coords(x, x, x), f, 1e-6 + f[1] / 1e11 * (x == 256 ? 1.4 : 1.0), f[1], "x"});
    }
    const OpRateModel m = fit_op_model("gemm/openblas/fp32/nn", gemm_feature_names(), s, 0);
    std::size_t worst = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (std::fabs(m.leave_one_out_error(i)) > std::fabs(m.leave_one_out_error(worst)))
            worst = i;
    CHECK(worst == 2);
    CHECK(m.leave_one_out_error(2) <
          -0.2);  // its neighbours predict it well below what was measured
}

TEST_CASE("tile padding: the work of the padded shape on known tilings (exact)",
          "[calibrate-robust]") {
    GemmTiling t;  // 12 x 32 register tile, k step 1, two threads (fp32 AVX-512 own kernel)
    t.mr = 12;
    t.nr = 32;
    t.threads = 2;
    // Multiples of the tiles split evenly: exactly the model FLOPs.
    CHECK(gemm_padded_flops(t, 1536, 1024, 512) == flops::gemm_model_flops(1536, 1024, 512));
    // 1024 rows = 86 tiles of 12: 43 each = 516 rows; 1024 columns are 32 tiles.
    CHECK(gemm_padded_flops(t, 1024, 1024, 1024) == 2.0 * 516 * 1024 * 1024 * 2);
    // 1000^3: 84 row tiles, 42 each = 504 rows; 1000 columns pad to 1024.
    CHECK(gemm_padded_flops(t, 1000, 1000, 1000) == 2.0 * 504 * 1024 * 1000 * 2);
    // 777 x 1234 x 555: 65 row tiles split 32 / 33 -> 396 rows; 1234 columns pad to 1248.
    CHECK(gemm_padded_flops(t, 777, 1234, 555) == 2.0 * 396 * 1248 * 555 * 2);
    // 64^3 is below the split threshold: one thread runs all of it (charged for the team).
    CHECK(gemm_padded_flops(t, 64, 64, 64) == 2.0 * 72 * 64 * 64 * 2);
    // A decode-like row: the whole register tile of 12 rows is computed.
    CHECK(gemm_padded_flops(t, 1, 4096, 4096) == 2.0 * 12 * 2048 * 4096 * 2);
    // bf16 dot product: k in pairs.
    GemmTiling b = t;
    b.k_pack = 2;
    b.threads = 1;
    CHECK(gemm_padded_flops(b, 24, 32, 7) == 2.0 * 24 * 32 * 8);
    // Unknown tiles (vendor libraries): the model FLOPs.
    CHECK(gemm_padded_flops(GemmTiling{}, 1000, 1000, 1000) ==
          flops::gemm_model_flops(1000, 1000, 1000));
    CHECK(!gemm_tiling_of("openblas", DType::fp32, 2).known());
    const GemmTiling own = gemm_tiling_of("own", DType::fp32, 2);
    CHECK(own.known());
    CHECK(own.threads == 2);
    CHECK(gemm_feature_names(own) == std::vector<std::string>{"1", "padded_flops", "bytes"});
}

namespace {

// A measured profile with own-backend fp32 and bf16 GEMM models fitted on padded work: the
// bf16 machine is exactly twice as fast per padded FLOP.
DeviceProfile padded_profile() {
    DeviceProfile p;
    p.name = "synthetic";
    p.kind = "measured";
    p.device = "cpu";
    p.backends = {"own"};
    p.ceilings.push_back({"fp32", 1e15, 2, "", ""});
    p.ceilings.push_back({"bf16", 2e15, 2, "", ""});
    GemmTiling t;
    t.mr = 12;
    t.nr = 32;
    t.threads = 2;
    t.kernel = "test";
    for (DType d : {DType::fp32, DType::bf16}) {
        GemmTiling td = t;
        td.k_pack = d == DType::bf16 ? 2 : 1;
        std::vector<FitSample> s;
        for (std::int64_t x : {96, 192, 384, 768, 1536}) {
            const auto f = gemm_features(td, x, x, x, d);
            s.push_back(
                {gemm_coords(x, x, x), f, 2e-6 + f[1] / (d == DType::bf16 ? 2e11 : 1e11), 0, "x"});
        }
        OpRateModel m =
            fit_op_model(gemm_model_key("own", d, Layout::nn), gemm_feature_names(td), s, 0);
        m.tiling = td;
        p.rate_model.ops.push_back(m);
    }
    return p;
}

}  // namespace

TEST_CASE("the padded-work model predicts an odd shape from the work it causes",
          "[calibrate-robust]") {
    const auto pred = make_profile_predictor(padded_profile());
    GemmQuery q{1000, 1000, 1000, Layout::nn, DType::fp32, 1};
    // The fit is exact (no residual to correct): 2 us + padded FLOPs / 100 GFLOP/s.
    const double want = 2e-6 + 2.0 * 504 * 1024 * 1000 * 2 / 1e11;
    CHECK(pred->gemm(q).seconds == Approx(want).epsilon(1e-6));
    // The same shape counted in model FLOPs would be 3% faster: the optimistic answer avoided.
    CHECK(pred->gemm(q).seconds > 2e-6 + 2e9 / 1e11 * 1.02);
}

TEST_CASE("profiles carry measured bf16 rates and tilings through JSON", "[calibrate-robust]") {
    const DeviceProfile p = padded_profile();
    const DeviceProfile back = profile_from_json(profile_to_json(p));
    REQUIRE(back.rate_model.ops.size() == 2);
    const OpRateModel* b = back.rate_model.find("gemm/own/bf16/nn");
    REQUIRE(b);
    CHECK(b->tiling.mr == 12);
    CHECK(b->tiling.nr == 32);
    CHECK(b->tiling.k_pack == 2);
    CHECK(b->tiling.threads == 2);
    CHECK(b->tiling.kernel == "test");
    CHECK(b->features == std::vector<std::string>{"1", "padded_flops", "bytes"});
    CHECK(profile_to_json(back) == profile_to_json(p));
    // A bf16 estimate uses the bf16 measurements, not fp32 scaled by the ceiling ratio.
    const auto pred = make_profile_predictor(back);
    const Prediction bf = pred->gemm({768, 768, 768, Layout::nn, DType::bf16, 1});
    CHECK(bf.source.find("gemm/own/bf16/nn") != std::string::npos);
    CHECK(bf.source.find("scaled") == std::string::npos);
    const Prediction f32 = pred->gemm({768, 768, 768, Layout::nn, DType::fp32, 1});
    CHECK(bf.seconds == Approx((2e-6 + 2.0 * 384 * 768 * 768 * 2 / 2e11)).epsilon(1e-6));
    CHECK(f32.seconds > bf.seconds);
}

TEST_CASE("older profiles without tilings load, a padded model without its tiling is refused",
          "[calibrate-robust]") {
    // A model written before tilings existed: plain FLOPs, no "tiling" key; it predicts as before.
    DeviceProfile p = padded_profile();
    std::vector<FitSample> s;
    for (std::int64_t x : {96, 192, 384, 768, 1536}) {
        const auto f = gemm_features(x, x, x, DType::fp32);
        s.push_back({gemm_coords(x, x, x), f, 2e-6 + f[1] / 1e11, 0, "x"});
    }
    p.rate_model.ops = {fit_op_model("gemm/own/fp32/nn", gemm_feature_names(), s, 0)};
    auto j = profile_to_json(p);
    REQUIRE(!j["rate_model"]["ops"][0].contains("tiling"));
    const DeviceProfile old = profile_from_json(j);
    const Prediction r =
        make_profile_predictor(old)->gemm({1000, 1000, 1000, Layout::nn, DType::fp32, 1});
    CHECK(r.seconds == Approx(2e-6 + 2e9 / 1e11).epsilon(1e-6));
    // A padded_flops model whose tiling was stripped cannot be evaluated: refused, with the reason.
    auto bad = profile_to_json(padded_profile());
    bad["rate_model"]["ops"][0].erase("tiling");
    CHECK_THROWS_WITH(profile_from_json(bad),
                      Catch::Contains("padded_flops feature but no tiling"));
}
