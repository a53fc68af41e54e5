// The cost model against published runs (data/published_runs.json, built in): the mechanics
// of each row kind - compute totals, throughput rows turned into tokens/s per device, every row
// accounted for, the median - not that every row comes out right.
#include <catch2/catch.hpp>

#include <algorithm>
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

TEST_CASE("published runs: the mechanics of each row kind on the built-in data",
          "[costmodel][validate]") {
    const ValidationReport r = validate_published_runs(
        builtin_published_runs(), builtin_published_runs_setup(), load_predictor);
    REQUIRE(r.rows.size() >= 12);
    int throughput = 0;
    std::vector<double> errs;
    for (const auto& c : r.rows) {
        if (!c.has_throughput) continue;
        ++throughput;
        INFO(c.model);
        CHECK(c.published_tps > 0);
        // Every row is accounted for: estimated, refused with a reason, or without a profile.
        CHECK(int(c.estimated) + int(c.refused) + int(c.profile.empty()) == 1);
        if (c.refused) CHECK(!c.refusal.empty());
        if (c.estimated) {
            CHECK(c.error == Approx(c.est_tps / c.published_tps - 1));
            errs.push_back(std::fabs(c.error));
        }
        if (!c.profile.empty()) CHECK(!c.layout.empty());
    }
    CHECK(throughput >= 12);
    CHECK(r.estimated + r.refused + r.skipped == throughput);
    // The median is of |error| over the estimated rows, every one of them.
    std::sort(errs.begin(), errs.end());
    REQUIRE(!errs.empty());
    const std::size_t n = errs.size();
    CHECK(r.median_abs_error == Approx(n % 2 ? errs[n / 2] : (errs[n / 2 - 1] + errs[n / 2]) / 2));

    const RunCheck& g = row(r, "GPT-3 175B");
    CHECK(std::fabs(g.six_nd / 3.14e23 - 1) < 0.03);
    CHECK(std::fabs(g.exact / 3.14e23 - 1) < 0.03);  // the exact per-op sum too
    CHECK(g.exact_noncausal > g.exact);
    const RunCheck& c = row(r, "Chinchilla 70B");
    CHECK(std::fabs(c.six_nd / 5.76e23 - 1) < 0.03);
    CHECK(c.exact > c.six_nd);

    // Published figures become tokens/s per device: directly, from TFLOP/s under the row's FLOP
    // convention (the fixed default when the source does not say), or from GPU-hours.
    const RunCheck& o = row(r, "OPT-175B");
    CHECK(o.convention.find("not published") != std::string::npos);
    CHECK(o.published_tps < 147e12 / o.flops_per_token);  // non-causal counts more FLOPs per token
    const RunCheck& d = row(r, "DeepSeek-V3 pre-training");
    CHECK(d.published_tps == Approx(14.8e12 / (2.664e6 * 3600)));
    CHECK(d.layout.find("ep 64") != std::string::npos);
    CHECK(d.layout.find("micro_batch 1,") != std::string::npos);  // published (DeepEP's benchmarks)
    CHECK(d.layout.find("attention_kernel default*") !=
          std::string::npos);  // not published: the default
    const RunCheck& m = row(r, "MPT-7b seq 2048, 8 x H100 (bf16)");
    CHECK(m.published_tps == 10643);
    CHECK(m.params == m.published_params);  // the inline architecture reproduces the table's count
    CHECK(m.layout.find("zero 3,") != std::string::npos);
    CHECK(m.layout.find("attention_kernel fa2") != std::string::npos);  // llm-foundry: flash-attn
    CHECK_FALSE(row(r, "PaLM 540B").estimated);                         // no TPU v4 profile
    // A step time: the iteration's sequences over its seconds and devices.
    const RunCheck& k = row(
        r, "Megatron GPT 175B, 64 A100s, full recomputation (Korthikanti et al. 2022, Table 5)");
    CHECK(k.published_tps == Approx(64.0 * 2048 / (18.13 * 64)));
    CHECK(k.layout.find("attention explicit") != std::string::npos);
    // A TFLOP/s figure under its source's own formula: Megatron's eq. (3), recomputation counted.
    const RunCheck& t = row(r, "Megatron GPT 1008B, 3072 A100s (Narayanan et al. 2021, Table 1)");
    const double L = 128, h = 25600;
    CHECK(t.published_tps ==
          Approx(163e12 / (96 * L * h * h * (1 + 2048 / (6 * h) + 51200 / (16 * L * h)))));
    // Card hours: the implied utilisation of Llama 3.1 405B's card.
    const RunCheck& l = row(r, "Llama 3.1 405B");
    CHECK(l.has_card);
    CHECK(l.card_util == Approx(l.flops_per_token * 15.6e12 / (30.84e6 * 3600 * 989e12)));
}

TEST_CASE("published runs: malformed data is refused", "[costmodel][validate]") {
    CHECK_THROWS_AS(validate_published_runs("{", builtin_published_runs_setup(), load_predictor),
                    UsageError);
    CHECK_THROWS_WITH(
        validate_published_runs(R"({"runs": [{"model": "Nope", "kind": ["flops"], "tokens": 1}]})",
                                builtin_published_runs_setup(), load_predictor),
        Catch::Contains("no entry in the setup data"));
    CHECK_THROWS_WITH(
        validate_published_runs(
            R"({"runs": [{"model": "GPT-3 175B", "kind": ["flops"], "tokens": 3e11}]})",
            builtin_published_runs_setup(), load_predictor),
        Catch::Contains("'total_flops'"));
    CHECK_THROWS_WITH(
        validate_published_runs(
            R"({"runs": [{"model": "OPT-175B", "kind": ["throughput"], "hardware": "A100-80GB",
                                                  "tflops_per_gpu": 147, "flop_formula": "guess"}]})",
            builtin_published_runs_setup(), load_predictor),
        Catch::Contains("unknown flop_formula"));
}
