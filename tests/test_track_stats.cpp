// The statistics behind `flopmeter check` and `history`: Mann-Whitney U against known values
// and brute force, the Hodges-Lehmann interval, Benjamini-Hochberg, change points.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "track/change_points.hpp"
#include "track/fdr.hpp"
#include "track/mann_whitney.hpp"
#include "track/shift_ci.hpp"

using namespace flopmeter;

TEST_CASE("Mann-Whitney U: exact p-value of a known example", "[track][stats]") {
    // SciPy's documented example (males vs females): U1 = 17; exact two-sided p = 2 * 7/126,
    // since 7 of the C(9,4) = 126 equally likely arrangements give U <= 3 (= 20 - 17).
    const MannWhitney r = mann_whitney_u({19, 22, 16, 29, 24}, {20, 11, 17, 12});
    CHECK(r.u == 17);
    CHECK(r.exact);
    CHECK(r.p_two_sided == Approx(14.0 / 126.0).epsilon(1e-12));
}

TEST_CASE("Mann-Whitney U: normal approximation with ties and continuity correction",
          "[track][stats]") {
    // x = 1 2 2 3 4, y = 2 3 3 5 6 7. Mid-ranks: 1 -> 1, the three 2s -> 3, the three 3s -> 6,
    // 4 -> 8; R1 = 21, U = 21 - 15 = 6. Ties: 2 x (27 - 3) = 48. n = 11:
    // var = 5*6/12 * (12 - 48/110) = 28.9091; z = (|6 - 15| - 0.5) / sqrt(var) = 1.58089;
    // p = 2 * (1 - Phi(1.58089)) = 0.113903.
    const MannWhitney r = mann_whitney_u({1, 2, 2, 3, 4}, {2, 3, 3, 5, 6, 7});
    CHECK(r.u == 6);
    CHECK_FALSE(r.exact);
    CHECK(std::fabs(r.z) == Approx(1.58089).epsilon(1e-5));
    CHECK(r.p_two_sided == Approx(0.113903).epsilon(1e-5));
}

TEST_CASE("Mann-Whitney exact distribution equals brute-force enumeration", "[track][stats]") {
    // Every assignment of ranks 1..n1+n2 to the first sample is equally likely under H0.
    for (int n1 : {1, 3, 4}) {
        for (int n2 : {2, 5}) {
            const int n = n1 + n2;
            std::vector<int> counts(std::size_t(n1 * n2 + 1), 0);
            int total = 0;
            for (unsigned mask = 0; mask < (1u << n); ++mask) {
                if (__builtin_popcount(mask) != n1) continue;
                int rank_sum = 0;
                for (int i = 0; i < n; ++i)
                    if (mask & (1u << i)) rank_sum += i + 1;
                ++counts[std::size_t(rank_sum - n1 * (n1 + 1) / 2)];
                ++total;
            }
            int cum = 0;
            for (int u = 0; u <= n1 * n2; ++u) {
                cum += counts[std::size_t(u)];
                INFO("n1=" << n1 << " n2=" << n2 << " u=" << u);
                CHECK(mann_whitney_exact_cdf(n1, n2, u) ==
                      Approx(double(cum) / total).epsilon(1e-12));
            }
        }
    }
}

TEST_CASE("Mann-Whitney: normal approximation agrees with the exact test at n = 40",
          "[track][stats]") {
    const double exact = mann_whitney_exact_cdf(40, 40, 600);  // mean 800, sd ~ 103.3
    const double z = (600 + 0.5 - 800) / std::sqrt(40.0 * 40 * 81 / 12);
    CHECK(exact == Approx(1.0 - normal_sf(z)).margin(0.002));
}

TEST_CASE("Mann-Whitney detects a shift and not its absence", "[track][stats]") {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> d(0, 1);
    std::vector<double> a(200), b(200), c(200);
    for (auto& v : a) v = d(rng);
    for (auto& v : b) v = d(rng) + 0.5;
    for (auto& v : c) v = d(rng);
    CHECK(mann_whitney_u(a, b).p_two_sided < 1e-4);
    CHECK(mann_whitney_u(a, c).p_two_sided > 0.01);
    CHECK(mann_whitney_u({1, 1, 1}, {1, 1}).p_two_sided == 1.0);  // all tied
    CHECK(mann_whitney_u({}, {1, 2}).p_two_sided == 1.0);
}

TEST_CASE("k-th pairwise difference matches sorting all differences", "[track][stats]") {
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> u(0, 10);
    std::vector<double> x(37), y(23);
    for (auto& v : x) v = u(rng);
    for (auto& v : y) v = u(rng);
    std::vector<double> all;
    for (double a : x)
        for (double b : y) all.push_back(a - b);
    std::sort(all.begin(), all.end());
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    for (std::size_t k : {1ul, 2ul, 100ul, 425ul, 850ul, all.size()})
        CHECK(kth_pairwise_difference(x, y, double(k)) == Approx(all[k - 1]).margin(1e-9));
}

TEST_CASE("Hodges-Lehmann interval recovers a shift and covers it about 95% of the time",
          "[track][stats]") {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> d(0, 1);
    int covered = 0;
    const int trials = 400;
    for (int t = 0; t < trials; ++t) {
        std::vector<double> x(30), y(25);
        for (auto& v : x) v = d(rng) + 0.7;
        for (auto& v : y) v = d(rng);
        const ShiftInterval s = hodges_lehmann_interval(x, y);
        REQUIRE(s.valid);
        CHECK(s.lo <= s.estimate);
        CHECK(s.estimate <= s.hi);
        covered += s.lo <= 0.7 && 0.7 <= s.hi;
    }
    CHECK(double(covered) / trials > 0.92);
    CHECK(double(covered) / trials < 0.985);
}

TEST_CASE("Benjamini-Hochberg adjusted p-values", "[track][stats]") {
    // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02
    const auto q = benjamini_hochberg({0.01, 0.04, 0.03, 0.005});
    REQUIRE(q.size() == 4);
    CHECK(q[0] == Approx(0.02));
    CHECK(q[1] == Approx(0.04));
    CHECK(q[2] == Approx(0.04));
    CHECK(q[3] == Approx(0.02));
    // Step-up: sorted 0.02, 0.04, 0.5 -> 3/1*0.02 = 0.06, 3/2*0.04 = 0.06, 3/3*0.5 = 0.5.
    const auto q2 = benjamini_hochberg({0.02, 0.5, 0.04});
    CHECK(q2[0] == Approx(0.06));
    CHECK(q2[1] == Approx(0.5));
    CHECK(q2[2] == Approx(0.06));
    // The running minimum from the top: 0.9*3/1, 0.6*3/2 = 0.9, 0.9*3/3 -> all 0.9; never above 1.
    for (double q : benjamini_hochberg({0.9, 0.5, 0.6})) CHECK(q == Approx(0.9));
    for (double q : benjamini_hochberg({0.99, 0.98})) CHECK(q <= 1.0);
    CHECK(benjamini_hochberg({}).empty());
}

namespace {
std::vector<double> series(std::size_t n, std::uint64_t seed, double noise,
                           const std::vector<std::pair<std::size_t, double>>& steps) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> d(0, noise);
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) {
        double level = std::log(1e-3);
        for (const auto& [at, ratio] : steps)
            if (i >= at) level += std::log(ratio);
        x[i] = level + d(rng);
    }
    return x;
}
}  // namespace

TEST_CASE("change points: a step is found where it is", "[track][changepoints]") {
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
        const auto cp = detect_change_points(series(40, seed, 0.01, {{20, 1.10}}));
        INFO("seed " << seed);
        REQUIRE(cp.at.size() == 1);
        CHECK(cp.at[0] == 20);
        REQUIRE(cp.segments.size() == 2);
        CHECK(std::exp(cp.segments[1].level - cp.segments[0].level) == Approx(1.10).epsilon(0.02));
    }
    const auto two = detect_change_points(series(50, 5, 0.01, {{20, 1.08}, {35, 0.9}}));
    REQUIRE(two.at.size() == 2);
    CHECK(two.at[0] == 20);
    CHECK(two.at[1] == 35);
}

TEST_CASE("change points: noise, a spike or a blip is not a change", "[track][changepoints]") {
    int false_alarms = 0;
    for (std::uint64_t seed = 1; seed <= 100; ++seed)
        false_alarms += !detect_change_points(series(60, seed, 0.02, {})).at.empty();
    CHECK(false_alarms <= 3);

    auto spike = series(40, 9, 0.005, {});
    spike[15] += std::log(1.5);
    CHECK(detect_change_points(spike).at.empty());
    auto edge = series(40, 12, 0.005, {});
    edge[0] += std::log(1.4);
    edge[1] += std::log(1.4);  // a blip at the very start
    CHECK(detect_change_points(edge).at.empty());
    auto step_and_spike = series(40, 13, 0.005, {{25, 1.1}});
    step_and_spike[10] += std::log(2.0);
    const auto ss = detect_change_points(step_and_spike);
    REQUIRE(ss.at.size() == 1);
    CHECK(ss.at[0] == 25);
    auto blip = series(40, 10, 0.005, {});
    blip[15] += std::log(1.3);
    blip[16] += std::log(1.3);
    CHECK(detect_change_points(blip).at.empty());  // two runs < min segment 3
    ChangePointOptions one;
    one.min_segment = 1;
    CHECK_FALSE(
        detect_change_points(blip, one).at.empty());  // the same blip counts with min segment 1
}

TEST_CASE("change points: steps below the minimum effect are merged away",
          "[track][changepoints]") {
    const auto x = series(40, 4, 0.001, {{20, 1.02}});
    ChangePointOptions o;
    CHECK(detect_change_points(x, o).at.empty());  // 2% < 3%
    o.min_step = 0.01;
    const auto cp = detect_change_points(x, o);
    REQUIRE(cp.at.size() == 1);
    CHECK(cp.at[0] == 20);
    CHECK(detect_change_points({}).at.empty());
    CHECK(detect_change_points({1.0, 2.0}).segments.size() == 1);
}
