// Parameter counts computed from the architecture against the counts their authors published,
// and config.json parsing: the supported families, and one clear error for each bad input.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "costmodel/hf_config.hpp"
#include "costmodel/model_source.hpp"
#include "costmodel/param_count.hpp"
#include "costmodel/presets.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

namespace {
// The repository's data/models, found from this file's path (CMake compiles it by absolute path).
const std::string data_dir = [] {
    const std::string f = __FILE__;
    return f.substr(0, f.rfind("/tests/")) + "/data/models/";
}();
double rel(double a, double b) {
    return std::fabs(a - b) / b;
}
}  // namespace

TEST_CASE("every preset's parameter count matches the published count", "[costmodel][params]") {
    REQUIRE(presets().size() >= 10);
    for (const auto& p : presets()) {
        INFO(p.key << ": computed " << count_params(p.model).total() << " vs published "
                   << p.published_params);
        const ParamCount c = count_params(p.model);
        // Counts published to the parameter (Hugging Face safetensors metadata) must match
        // exactly; rounded ones ("175B", "65.2B") within half a percent.
        if (std::fmod(p.published_params, 1e6) != 0)
            CHECK(c.total() == p.published_params);
        else
            CHECK(rel(c.total(), p.published_params) < 0.005);
        // Active counts published to the billion ("37B") carry rounding and a convention (whether
        // the embedding lookup counts: 0.93B of DeepSeek-V3's): within 2%.
        if (p.published_active_params > 0)
            CHECK(rel(c.active, p.published_active_params) <
                  (std::fmod(p.published_active_params, 1e9) == 0 ? 0.02 : 0.005));
        CHECK(c.non_embedding() < c.total());
    }
}

TEST_CASE("parameter counts by part, hand-checked", "[costmodel][params]") {
    const ParamCount g = count_params(find_preset("gpt2")->model);
    CHECK(g.token_embedding == 50257.0 * 768);
    CHECK(g.position_embedding == 1024.0 * 768);
    CHECK(g.lm_head == 0);  // tied
    CHECK(g.total() == 124439808);
    // Mixtral: 8 experts of 3 x 4096 x 14336, two of them active per token.
    const ParamCount mx = count_params(find_preset("mixtral-8x7b")->model);
    CHECK(mx.mlp == 32.0 * 8 * 3 * 4096 * 14336);
    CHECK(mx.total() - mx.active == 32.0 * 6 * 3 * 4096 * 14336);
    CHECK(mx.router == 32.0 * 4096 * 8);
    // DeepSeek-V3 by hand: MLA 7168x1536 + 1536 + 1536x128x192 + 7168x576 + 512 + 512x128x256 +
    // 128x128x7168 per layer; 3 dense layers of 3x7168x18432, 58 of 257 experts of 3x7168x2048.
    const ParamCount ds = count_params(find_preset("deepseek-v3")->model);
    CHECK(ds.attention == 61.0 * 187107328);
    CHECK(ds.mlp == 3.0 * 3 * 7168 * 18432 + 58.0 * 257 * 3 * 7168 * 2048);
    CHECK(ds.router == 58.0 * 256 * 7168);
    CHECK(ds.total() == 671026404352.0);
    CHECK(ds.total() - ds.active == 58.0 * 248 * 3 * 7168 * 2048);
    CHECK(ds.mtp > 11e9);  // one more MoE layer + the 2h x h projection (the report's 685B - 671B =
                           // 14B adds the shared head copies)
}

TEST_CASE("a DeepSeek-V3 config.json parses to the preset's architecture", "[costmodel][hf]") {
    // The architecture fields of deepseek-ai/DeepSeek-V3's config.json (DeepseekV3Config names).
    const std::string text =
        R"({"model_type": "deepseek_v3", "hidden_size": 7168, "intermediate_size": 18432,
        "moe_intermediate_size": 2048, "num_hidden_layers": 61, "num_attention_heads": 128, "num_key_value_heads": 128,
        "n_shared_experts": 1, "n_routed_experts": 256, "num_experts_per_tok": 8, "first_k_dense_replace": 3,
        "moe_layer_freq": 1, "n_group": 8, "topk_group": 4, "q_lora_rank": 1536, "kv_lora_rank": 512,
        "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 129280,
        "max_position_embeddings": 163840, "num_nextn_predict_layers": 1, "tie_word_embeddings": false,
        "hidden_act": "silu", "rms_norm_eps": 1e-06, "topk_method": "noaux_tc", "scoring_func": "sigmoid"})";
    const ModelConfig m = parse_hf_config(text, "deepseek-v3 config", {});
    const ModelConfig& p = find_preset("deepseek-v3")->model;
    CHECK(count_params(m).total() == count_params(p).total());
    CHECK(count_params(m).active == count_params(p).active);
    CHECK(m.mtp_depth == 1);
    CHECK(m.route_nodes == 4);
    CHECK(m.first_dense_layers == 3);
    CHECK_THROWS_WITH(
        parse_hf_config(R"({"model_type": "deepseek_v3", "hidden_size": 64})", "x", {}),
        Catch::Contains("missing required field"));
}

TEST_CASE("config.json families parse to the published counts", "[costmodel][hf]") {
    CHECK(count_params(load_model(data_dir + "gpt2.config.json")).total() == 124439808);
    CHECK(count_params(load_model(data_dir + "pythia-160m.config.json")).total() == 162322944);
    const ModelConfig q = load_model(data_dir + "qwen2-0.5b.config.json");
    CHECK(q.qkv_bias);
    CHECK_FALSE(q.out_bias);
    CHECK(q.sliding_window == 0);  // use_sliding_window: false
    CHECK(count_params(q).total() == 494032768);
    const ModelConfig mx = load_model(data_dir + "mixtral-8x7b.config.json");
    CHECK(mx.experts == 8);
    CHECK(mx.top_k == 2);
    CHECK(count_params(mx).total() == 46702792704.0);
    // A preset and its config.json agree on every part.
    const ParamCount a = count_params(find_preset("gpt2")->model),
                     b = count_params(load_model(data_dir + "gpt2.config.json"));
    CHECK(a.attention == b.attention);
    CHECK(a.mlp == b.mlp);
    CHECK(a.norms == b.norms);
    // Dropout on the attention probabilities is read (it costs a pass over explicit scores).
    CHECK(load_model(data_dir + "gpt2.config.json").attention_dropout);  // attn_pdrop 0.1
    CHECK_FALSE(load_model(data_dir + "llama3.2-1b.config.json").attention_dropout);  // 0.0
}

TEST_CASE("bad config.json input: one clear error naming the problem", "[costmodel][hf]") {
    struct Bad {
        std::string json, expect;
    };
    const std::string llama =
        R"("model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100, "max_position_embeddings": 64)";
    const std::vector<Bad> cases = {
        {"{\"model_type\": \"llama\", ", "not valid JSON"},
        {"[1, 2]", "JSON object"},
        {"{}", "missing required field 'model_type'"},
        {R"({"model_type": "t5"})", "unsupported model_type 't5'"},
        {R"({"model_type": "llama", "hidden_size": 64})",
         "missing required field 'num_hidden_layers'"},
        {"{" + llama + R"(, "frobnicate": 3})", "unknown field 'frobnicate'"},
        {R"({"model_type": "llama", "hidden_size": "64", "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100, "max_position_embeddings": 64})",
         "'hidden_size' must be a positive integer"},
        {R"({"model_type": "llama", "hidden_size": -64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100, "max_position_embeddings": 64})",
         "'hidden_size' must be a positive integer"},
        {"{" + llama + R"(, "num_key_value_heads": 3})", "multiple of key/value heads"},
        {"{" + llama + R"(, "hidden_act": "swoosh"})", "unknown activation 'swoosh'"},
        {"{" + llama + R"(, "tie_word_embeddings": "yes"})",
         "'tie_word_embeddings' must be true or false"},
        {"{" + llama + R"(, "attention_dropout": 1.5})",
         "'attention_dropout' must be a probability"},
        {R"({"model_type": "mixtral", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100, "max_position_embeddings": 64, "num_local_experts": 4})",
         "missing required field 'num_experts_per_tok'"},
        {R"({"model_type": "mixtral", "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100, "max_position_embeddings": 64, "num_local_experts": 4, "num_experts_per_tok": 5})",
         "top-k (5)"},
    };
    for (const auto& c : cases) {
        INFO(c.json);
        try {
            parse_hf_config(c.json, "config.json");
            FAIL("accepted");
        } catch (const UsageError& e) {
            const std::string msg = e.what();
            INFO(msg);
            CHECK(msg.find(c.expect) != std::string::npos);
            CHECK(msg.find('\n') == std::string::npos);
        }
    }
    // The same unknown field is accepted when the user says so.
    CHECK(
        parse_hf_config("{" + llama + R"(, "frobnicate": 3})", "config.json", HfParseOptions{true})
            .layers == 2);
    CHECK_THROWS_AS(load_model("no-such-model"), UsageError);
    CHECK_THROWS_WITH(load_model("no-such-model"), Catch::Contains("llama2-7b"));
}
