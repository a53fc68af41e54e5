#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "measure/sampler.hpp"
#include "measure/stats.hpp"

using namespace flopmeter;

TEST_CASE("median CI ranks match the exact binomial construction", "[stats]") {
    CHECK(median_ci_ranks(5).lo == -1);  // too few samples for a 95% interval
    // n = 6: P(X <= 0) = 1/64 <= 0.025 -> CI [x(1), x(6)], 0-based ranks 0 and 5.
    CHECK(median_ci_ranks(6).lo == 0);
    CHECK(median_ci_ranks(6).hi == 5);
    // n = 10: P(X <= 1) = 11/1024 <= 0.025, P(X <= 2) = 56/1024 > 0.025 -> [x(2), x(9)].
    CHECK(median_ci_ranks(10).lo == 1);
    CHECK(median_ci_ranks(10).hi == 8);
    // Large n uses the normal approximation: symmetric around the middle.
    const RankPair r = median_ci_ranks(1000);
    CHECK(r.lo == 468);
    CHECK(r.hi == 531);
}

TEST_CASE("summary statistics on known data", "[stats]") {
    const Stats s = summarize({5, 1, 4, 2, 3, 6, 7, 8, 9, 10});
    CHECK(s.n == 10);
    CHECK(s.median == Approx(5.5));
    CHECK(s.min == 1);
    CHECK(s.max == 10);
    CHECK(s.mean == Approx(5.5));
    CHECK(s.p10 == Approx(1.9));
    CHECK(s.p90 == Approx(9.1));
    CHECK(s.stddev == Approx(3.02765).epsilon(1e-4));
    CHECK(s.ci_lo == 2);
    CHECK(s.ci_hi == 9);
}

TEST_CASE("the median CI covers the true median about 95% of the time", "[stats]") {
    // Log-normal timing-like noise; true median = exp(mu) = 1.
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> d(0.0, 0.3);
    for (int n : {10, 30, 300}) {
        int covered = 0;
        const int trials = 2000;
        for (int t = 0; t < trials; ++t) {
            std::vector<double> x(static_cast<std::size_t>(n));
            for (auto& v : x) v = d(rng);
            const Stats s = summarize(x);
            covered += s.ci_lo <= 1.0 && 1.0 <= s.ci_hi;
        }
        const double rate = double(covered) / trials;
        INFO("n = " << n << " coverage " << rate);
        CHECK(rate >= 0.93);  // order-statistic intervals are conservative (>= 95% nominal)
        CHECK(rate <= 0.995);
    }
}

TEST_CASE("sampler stops at the CI target on a steady workload", "[stats][sampler]") {
    SamplerConfig cfg;
    cfg.target_rel_ci = 0.05;
    cfg.budget_s = 2.0;
    cfg.min_sample_s = 2e-4;
    volatile double sink = 0;
    const Measurement m = sample(steady_clock_timer([&] {
                                     double x = 0;
                                     for (int i = 0; i < 20000; ++i) x += i * 1e-9;
                                     sink = x;
                                 }),
                                 cfg);
    CHECK(m.stats.n >= cfg.min_samples);
    CHECK(m.calls_per_sample >= 1);
    CHECK(m.samples.size() == std::size_t(m.stats.n));
    if (m.converged) {
        CHECK(m.stop_reason == "ci_target");
        CHECK(m.stats.ci_rel_halfwidth() <= 0.05);
    } else {
        CHECK(m.stop_reason == "budget");
    }
}

TEST_CASE("sampler flags a workload that cannot converge", "[stats][sampler]") {
    SamplerConfig cfg;
    cfg.target_rel_ci = 1e-9;  // unreachable
    cfg.budget_s = 0.2;
    cfg.min_sample_s = 1e-4;
    std::mt19937 rng(1);
    volatile int sink = 0;
    const Measurement m = sample(steady_clock_timer([&] {
                                     const int n = 1000 + int(rng() % 20000);
                                     int x = 0;
                                     for (int i = 0; i < n; ++i) x += i;
                                     sink = x;
                                 }),
                                 cfg);
    CHECK_FALSE(m.converged);
    CHECK(m.stop_reason == "budget");
}
