// The calibration's visits: a kept case is built and validated once however often it is
// visited, a case beyond the memory budget on every visit, where a visit's time went, and the
// cheaper pieces under it (operand values, the GEMM oracle's check points and p-outer sums).
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <vector>

#include "calibrate/case_cache.hpp"
#include "calibrate/interleaved_sweep.hpp"
#include "calibrate/visit_case.hpp"
#include "core/operand_values.hpp"
#include "kernels/gemm/gemm_reference.hpp"
#include "measure/gemm_validate.hpp"

using namespace flopmeter;

namespace {

SweepCase small_gemm(Layout l = Layout::nn) {
    SweepCase c;
    c.op = "gemm";
    c.gemm = GemmCaseSpec{"own", GemmProblem{48, 40, 32, l, DType::fp32, 1.0, 0.0}, 1};
    c.name = gemm_case_name(c.gemm);
    return c;
}

MeasureOptions quick_options() {
    MeasureOptions mo;
    mo.sampler.budget_s = 0.002;
    mo.sampler.min_samples = 2;
    mo.sampler.warmup_s = 0;
    mo.probe_clock = false;
    mo.count_flops = false;
    return mo;
}

}  // namespace

TEST_CASE("a kept case is built and validated on its first visit only", "[calibrate-robust]") {
    CaseCache cache(1e9);
    MeasureContext ctx(1);
    VisitPhases ph;
    const SweepCase c = small_gemm();
    const CaseResult first = measure_visit(c, quick_options(), ctx, &cache, ph);
    const CaseResult second = measure_visit(c, quick_options(), ctx, &cache, ph);
    REQUIRE(first.status == CaseStatus::ok);
    REQUIRE(second.status == CaseStatus::ok);
    CHECK(first.validated);
    CHECK(first.validation_checked == 48 * 40);
    CHECK(first.validation_s > 0);
    CHECK(second.validated);
    CHECK(second.validation_detail == "validated on an earlier visit");
    CHECK(second.validation_s == 0);
    CHECK(cache.holds(c.name));
    CHECK(ph.visits == 2);
    CHECK(ph.setups == 1);
    CHECK(ph.validations == 1);
    CHECK(ph.validate_s == Approx(first.validation_s));
    CHECK(ph.sampling_s > 0);
    CHECK(ph.setup_s >= 0);
    CHECK(ph.other_s >= 0);
}

TEST_CASE("a case beyond the cache budget is built and validated on every visit",
          "[calibrate-robust]") {
    CaseCache cache(0);
    MeasureContext ctx(1);
    VisitPhases ph;
    const SweepCase c = small_gemm(Layout::tn);
    for (int v = 0; v < 2; ++v) {
        const CaseResult r = measure_visit(c, quick_options(), ctx, &cache, ph);
        REQUIRE(r.status == CaseStatus::ok);
        CHECK(r.validation_detail != "validated on an earlier visit");
    }
    CHECK_FALSE(cache.holds(c.name));
    CHECK(ph.setups == 2);
    CHECK(ph.validations == 2);
}

TEST_CASE("a quantized matmul is kept between visits and measured cold", "[calibrate-robust]") {
    SweepCase c;
    c.op = "quant_gemm";
    c.name = "quant_gemm/test/q8_0/2x64x256";
    c.quant_format = "q8_0";
    c.quant_act = "int8";
    c.quant_m = 2;
    c.quant_n = 64;
    c.quant_k = 256;
    CaseCache cache(1e9);
    MeasureContext ctx(1);
    VisitPhases ph;
    const CaseResult first = measure_visit(c, quick_options(), ctx, &cache, ph);
    const CaseResult second = measure_visit(c, quick_options(), ctx, &cache, ph);
    REQUIRE(first.status == CaseStatus::ok);
    REQUIRE(second.status == CaseStatus::ok);
    CHECK(first.cache_mode == "cold");
    CHECK(second.cache_mode == "cold");
    CHECK(first.validation_checked == 2 * 64);
    CHECK(ph.setups == 1);
    CHECK(ph.validations == 1);
}

TEST_CASE("the interleaved sweep adds up where its visits' time went", "[calibrate-robust]") {
    std::vector<SweepCase> plan(3);
    for (int i = 0; i < 3; ++i) plan[std::size_t(i)].name = "case" + std::to_string(i);
    InterleavedOptions o;
    o.passes = 2;
    DeviceProfile p;
    VisitPhases total;
    std::ostringstream err;
    int afters = 0;
    const bool done = run_interleaved_sweep(
        p, plan, o,
        [](const SweepCase& c, VisitPhases& ph) {
            CaseResult r;
            r.name = c.name;
            r.op = "gemm";
            r.measurement.samples = {1.0};
            ph.visits += 1;
            ph.sampling_s += 0.25;
            ph.validate_s += 0.5;
            return r;
        },
        [&] {
            ++afters;
            return false;
        },
        err, &total);
    CHECK(done);
    CHECK(afters == 6);
    CHECK(total.visits == 6);
    CHECK(total.sampling_s == Approx(1.5));
    CHECK(total.validate_s == Approx(3.0));
    CHECK(total.bookkeeping_s >= 0);
    CHECK(err.str().find("passes: 6 visits") != std::string::npos);
    REQUIRE(p.measurements.size() == 3);
    CHECK(case_visits(p.measurements[0]) == 2);
}

TEST_CASE("operand values: uniform from -1 up to 1 and bell-shaped, fixed by seed and index",
          "[calibrate-robust]") {
    const int n = 200000;
    double s = 0, s2 = 0, b = 0, b2 = 0, lo = 1, hi = -1;
    for (int i = 0; i < n; ++i) {
        const double u = uniform_pm1_at(3, std::uint64_t(i)), z = bell_at(3, std::uint64_t(i));
        s += u;
        s2 += u * u;
        b += z;
        b2 += z * z;
        lo = std::min(lo, u);
        hi = std::max(hi, u);
    }
    CHECK(lo >= -1.0);
    CHECK(hi < 1.0);
    CHECK(lo < -0.999);
    CHECK(hi > 0.999);
    CHECK(std::fabs(s / n) < 0.01);
    CHECK(s2 / n == Approx(1.0 / 3.0).epsilon(0.02));  // variance of U(-1, 1)
    CHECK(std::fabs(b / n) < 0.01);
    CHECK(b2 / n == Approx(1.0).epsilon(0.02));
    CHECK(uniform_pm1_at(3, 17) == uniform_pm1_at(3, 17));
    CHECK(uniform_pm1_at(3, 17) != uniform_pm1_at(4, 17));
}

TEST_CASE("GEMM check points: small problems entirely, large work on edges and samples",
          "[calibrate-robust]") {
    CHECK(gemm_check_points(64, 64, 64).size() == 64 * 64);
    CHECK(gemm_check_points(256, 256, 512).size() == 256 * 256);  // 2^25 multiply-adds
    // 16 x 4096 x 4096: 64Ki outputs, 2^28 multiply-adds: rows 0 and 15 (1024 each), columns 0
    // and 4095 (16 each), 4096 random.
    CHECK(gemm_check_points(16, 4096, 4096).size() == 2 * 1024 + 2 * 16 + 4096);
}

TEST_CASE("the GEMM oracle finds one wrong entry in every layout", "[calibrate-robust]") {
    for (Layout l : {Layout::nn, Layout::nt, Layout::tn}) {
        for (std::int64_t k : {std::int64_t(24), std::int64_t(300)}) {
            // 300 x 260 x K: beyond 64Ki outputs, so edges and random points are checked.
            const std::int64_t m = 300, n = 260;
            const GemmProblem p{m, n, k, l, DType::fp32, 1.0, 0.0};
            std::vector<float> a(std::size_t(m * k)), b(std::size_t(k * n)),
                c(std::size_t(m * n), 0.0f);
            fill_uniform_pm1(a.data(), m * k, 1);
            fill_uniform_pm1(b.data(), k * n, 2);
            gemm_reference<float, double, float>(l, m, n, k, 1.0, a.data(), gemm_lda(p), b.data(),
                                                 gemm_ldb(p), 0.0, c.data(), gemm_ldc(p));
            const GemmOperands ops{a.data(),    b.data(),    c.data(),
                                   gemm_lda(p), gemm_ldb(p), gemm_ldc(p)};
            const std::vector<float> before(c.size(), 0.0f);
            const ValidationReport ok = validate_gemm(p, ops, before.data(), c.data());
            CHECK(ok.passed);
            CHECK(ok.max_error_ratio < 0.1);
            c[std::size_t((m - 1) * n + 77)] += 0.05f;  // last row: an edge, always checked
            const ValidationReport bad = validate_gemm(p, ops, before.data(), c.data());
            CHECK_FALSE(bad.passed);
            CHECK(bad.detail.find("C[299][77]") != std::string::npos);
        }
    }
}
