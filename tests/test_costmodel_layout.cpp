// Layout search (--tp auto --pp auto) against an independent brute force on a small case.
#include <catch2/catch.hpp>

#include <limits>

#include "core/error.hpp"
#include "costmodel/layout_search.hpp"
#include "costmodel/presets.hpp"
#include "costmodel/training_estimate.hpp"
#include "tests/test_costmodel_fake.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

TEST_CASE("layout search finds the brute-force best layout of 8 devices", "[costmodel][layout]") {
    test::FakePredictor p;
    p.f.memory_bytes = 3e9;  // tight enough that some layouts do not fit
    const ModelConfig& m = find_preset("gpt2")->model;
    TrainingSetup base;
    base.tokens = 1e9;
    base.seq_len = 1024;
    base.global_batch = 32;
    base.par.tp = 0;
    base.par.pp = 0;
    LayoutGrid g;
    g.devices = 8;
    const LayoutSearch r = search_layouts(m, base, g, p, 5);
    REQUIRE(!r.best.empty());
    CHECK(r.best.size() == 5);
    CHECK(r.refused > 0);
    for (std::size_t i = 1; i < r.best.size(); ++i) CHECK(r.best[i - 1].step_s <= r.best[i].step_s);

    // Brute force written out independently: every tp x pp x dp = 8, every ZeRO stage,
    // micro-batch, recomputation and interleaving the model and batch allow.
    double best = std::numeric_limits<double>::infinity();
    int n_fit = 0;
    for (int tp : {1, 2, 4, 8})
        for (int pp : {1, 2, 4, 8}) {
            if (8 % (tp * pp) != 0) continue;
            for (int v : {1, 2, 4})
                for (std::int64_t mb : {1, 2, 4, 8})
                    for (int z : {0, 1, 2, 3})
                        // (selective equals none with fused attention: the search skips it, so here
                        // too)
                        for (Recompute rc : {Recompute::none, Recompute::full}) {
                            TrainingSetup s = base;
                            s.par.tp = tp;
                            s.par.pp = pp;
                            s.par.dp = 8 / (tp * pp);
                            s.par.virtual_stages = v;
                            s.par.micro_batch = mb;
                            s.par.zero = s.par.dp == 1 ? 0 : z;
                            if (s.par.dp == 1 && z > 0) continue;
                            s.recompute = rc;
                            try {
                                const TrainingEstimate e = estimate_training(m, s, p, {});
                                ++n_fit;
                                best = std::min(best, e.step_s);
                            } catch (const UsageError&) {
                            }
                        }
        }
    CHECK(r.fitting == std::size_t(n_fit));
    CHECK(r.best.front().step_s == best);
}

TEST_CASE("layout search keeps a fixed --tp and needs --devices", "[costmodel][layout]") {
    test::FakePredictor p;
    const ModelConfig& m = find_preset("gpt2")->model;
    TrainingSetup base;
    base.tokens = 1e9;
    base.seq_len = 1024;
    base.global_batch = 32;
    base.par.tp = 2;
    base.par.pp = 0;
    LayoutGrid g;
    g.devices = 8;
    for (const auto& s : layout_candidates(m, base, g, 8)) CHECK(s.par.tp == 2);
    g.devices = 0;
    CHECK_THROWS_AS(layout_candidates(m, base, g, 8), UsageError);
}
