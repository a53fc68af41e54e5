// The cost model against published runs (data/published_runs.json, built in): compute totals
// within 3%, steady-step throughput within 10% on the built-in datasheet profiles, and the
// arithmetic of the implied figures.
#include <catch2/catch.hpp>

#include <cmath>

#include "calibrate/profile_store.hpp"
#include "core/error.hpp"
#include "costmodel/published_runs.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

namespace {
const RunCheck& row(const ValidationReport& r, const std::string& model) {
    for (const auto& c : r.rows)
        if (c.model == model) return c;
    FAIL("no row " << model);
    return r.rows.front();
}
}  // namespace

TEST_CASE("published runs: every check passes on the built-in data", "[costmodel][validate]") {
    const ValidationReport r = validate_published_runs(builtin_published_runs(), builtin_published_runs_setup(), load_predictor);
    REQUIRE(r.rows.size() == 8);
    CHECK(r.failed == 0);
    CHECK(r.passed == 4);   // 2 'flops' + 2 'step_mfu' with a datasheet profile
    CHECK(r.skipped == 1);  // PaLM: no TPU v4 profile

    const RunCheck& g = row(r, "GPT-3 175B");
    CHECK(std::fabs(g.six_nd / 3.14e23 - 1) < 0.03);
    CHECK(std::fabs(g.exact / 3.14e23 - 1) < 0.03);  // the exact per-op sum too
    CHECK(g.exact_noncausal > g.exact);
    const RunCheck& c = row(r, "Chinchilla 70B");
    CHECK(std::fabs(c.six_nd / 5.76e23 - 1) < 0.03);
    CHECK(c.exact > c.six_nd);

    // Implied throughput: utilisation x peak / FLOPs per token.
    const RunCheck& o = row(r, "OPT-175B");
    CHECK(o.util_lo == Approx(147.0 / 312));
    CHECK(o.implied_tps_lo == Approx(147e12 / o.flops_per_token));
    CHECK(o.step_checked);
    CHECK(o.est_deviation <= 0.10);
    const RunCheck& l = row(r, "Llama 3.1 405B");
    CHECK(l.util_lo == 0.38);
    CHECK(l.util_hi == 0.43);
    CHECK(l.implied_hours_hi == Approx(15.6e12 / (0.38 * 989e12 / l.flops_per_token) / 3600));
    CHECK(l.step_pass);
    // Card hours: the implied utilisation sits below the reported step MFU (cards include more).
    CHECK(l.has_card);
    CHECK(l.card_util == Approx(l.flops_per_token * 15.6e12 / (30.84e6 * 3600 * 989e12)));
    CHECK(l.card_util < l.util_lo);
    CHECK_FALSE(row(r, "PaLM 540B").step_checked);
}

TEST_CASE("published runs: malformed data is refused", "[costmodel][validate]") {
    CHECK_THROWS_AS(validate_published_runs("{", builtin_published_runs_setup(), load_predictor), UsageError);
    CHECK_THROWS_WITH(validate_published_runs(R"({"runs": [{"model": "Nope", "kind": ["flops"], "tokens": 1}]})",
                                              builtin_published_runs_setup(), load_predictor),
                      Catch::Contains("no entry in the setup data"));
    CHECK_THROWS_WITH(validate_published_runs(R"({"runs": [{"model": "GPT-3 175B", "kind": ["flops"], "tokens": 3e11}]})",
                                              builtin_published_runs_setup(), load_predictor),
                      Catch::Contains("'total_flops'"));
}
