// The one shape-preset table: names unique per family, shapes positive, unknown names refused
// with the valid list, and the LLM presets are shapes the cost model really asks for (each GEMM's
// N x K is a forward projection of the model the preset names).
#include <catch2/catch.hpp>

#include <set>
#include <utility>

#include "core/error.hpp"
#include "core/shape_presets.hpp"
#include "costmodel/layer_ops.hpp"
#include "costmodel/presets.hpp"

using namespace flopmeter;

TEST_CASE("shape presets: unique names, positive shapes, clear errors", "[presets]") {
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& p : gemm_presets()) {
        CHECK(seen.insert({p.family, p.name}).second);
        REQUIRE(!p.shapes.empty());
        for (const auto& s : p.shapes) CHECK((s.m > 0 && s.n > 0 && s.k > 0));
    }
    for (const auto& p : attention_presets()) {
        CHECK(seen.insert({p.family, p.name}).second);
        REQUIRE(!p.shapes.empty());
        for (const auto& s : p.shapes) {
            CHECK((s.batch > 0 && s.heads > 0 && s.seq_q > 0 && s.seq_k > 0 && s.head_dim > 0));
            CHECK(s.heads % s.kv_heads == 0);
        }
    }
    CHECK_THROWS_WITH(gemm_preset("gemm", "huge"),
                      Catch::Contains("unknown --preset 'huge' (valid: square, llm, quick)"));
    CHECK_THROWS_AS(attention_preset("cuda-attention", "train"), UsageError);
    CHECK(preset_names("quant") == "gemv|decode|gemm");
    CHECK(preset_help("attention").find("train (") != std::string::npos);
}

TEST_CASE("LLM GEMM presets are projections the cost model decomposes the models into",
          "[presets][costmodel]") {
    auto projections = [](const char* model) {
        cost::PassShape s;
        s.batch = 1;
        s.seq_q = s.seq_k = 128;
        cost::StageSpec st;
        st.layers = 1;
        const cost::ModelConfig& m = cost::find_preset(model)->model;
        const cost::OpList ops = cost::build_stage_ops(m, s, st, nullptr);
        std::set<std::pair<std::int64_t, std::int64_t>> nk;
        for (const auto& op : ops.ops)
            if (op.timing == cost::Timing::gemm) {
                nk.insert({op.gemm.n, op.gemm.k});
                // A SwiGLU MLP's up projection is the gate and up matrices fused; runtimes such as
                // llama.cpp run them as two GEMMs of half the width.
                if (op.name == "mlp.up" && m.gated_mlp) nk.insert({op.gemm.n / 2, op.gemm.k});
            }
        return nk;
    };
    const auto gpt2 = projections("gpt2"), l7 = projections("llama2-7b"),
               l70 = projections("llama2-70b");
    auto check =
        [](const GemmPreset& p,
           std::initializer_list<const std::set<std::pair<std::int64_t, std::int64_t>>*> models) {
            for (const auto& s : p.shapes) {
                bool found = false;
                for (const auto* m : models) found = found || m->count({s.n, s.k});
                INFO(p.family << "/" << p.name << ": N " << s.n << " x K " << s.k);
                CHECK(found);
            }
        };
    check(gemm_preset("gemm", "llm"), {&gpt2, &l7});
    check(gemm_preset("cuda-gemm", "llm"), {&l7});
    check(gemm_preset("cuda-gemm", "llm-70b"), {&l70});
    check(gemm_preset("quant", "decode"), {&l7});
    check(gemm_preset("compare", "gemm"), {&l7});
}
