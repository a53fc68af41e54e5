#include "costmodel/hf_config.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "core/error.hpp"

namespace flopmeter::cost {

namespace {

using nlohmann::json;

// Fields that exist in these families' configs but change neither FLOPs nor memory.
const std::set<std::string> ignored_common = {"_name_or_path",
                                              "architectures",
                                              "transformers_version",
                                              "torch_dtype",
                                              "dtype",
                                              "bos_token_id",
                                              "eos_token_id",
                                              "pad_token_id",
                                              "initializer_range",
                                              "use_cache",
                                              "return_dict",
                                              "output_attentions",
                                              "output_hidden_states",
                                              "id2label",
                                              "label2id",
                                              "tokenizer_class",
                                              "model_type"};

struct Reader {
    const json& j;
    std::string origin, family;
    std::set<std::string> used;

    [[noreturn]] void fail(const std::string& msg) const { throw UsageError(origin + ": " + msg); }

    bool has(const std::string& k) const { return j.contains(k) && !j.at(k).is_null(); }

    std::int64_t integer(const std::string& k) {
        used.insert(k);
        if (!has(k)) fail("missing required field '" + k + "' (model_type '" + family + "')");
        return positive(k);
    }
    std::int64_t integer_or(const std::string& k, std::int64_t dflt) {
        used.insert(k);
        return has(k) ? positive(k) : dflt;
    }
    std::int64_t positive(const std::string& k) const {
        const json& v = j.at(k);
        if (!v.is_number_integer() || v.get<std::int64_t>() <= 0)
            fail("field '" + k + "' must be a positive integer (got " + v.dump() + ")");
        return v.get<std::int64_t>();
    }
    // A count that may be 0 (absent: 0).
    std::int64_t count_or(const std::string& k) {
        used.insert(k);
        if (!has(k)) return 0;
        const json& v = j.at(k);
        if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
            fail("field '" + k + "' must be a non-negative integer (got " + v.dump() + ")");
        return v.get<std::int64_t>();
    }
    bool boolean_or(const std::string& k, bool dflt) {
        used.insert(k);
        if (!has(k)) return dflt;
        if (!j.at(k).is_boolean())
            fail("field '" + k + "' must be true or false (got " + j.at(k).dump() + ")");
        return j.at(k).get<bool>();
    }
    std::string string_or(const std::string& k, const std::string& dflt) {
        used.insert(k);
        if (!has(k)) return dflt;
        if (!j.at(k).is_string())
            fail("field '" + k + "' must be a string (got " + j.at(k).dump() + ")");
        return j.at(k).get<std::string>();
    }
    // A dropout probability in [0, 1] (absent: 0); only whether it is above 0 changes the cost.
    bool dropout(const std::string& k) {
        used.insert(k);
        if (!has(k)) return false;
        const json& v = j.at(k);
        if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
            fail("field '" + k + "' must be a probability between 0 and 1 (got " + v.dump() + ")");
        return v.get<double>() > 0;
    }
    void ignore(std::initializer_list<const char*> ks) {
        for (const char* k : ks) used.insert(k);
    }
    Activation activation(const std::string& k, const std::string& dflt) {
        const std::string a = string_or(k, dflt);
        if (a == "silu" || a == "swish") return Activation::silu;
        if (a == "relu") return Activation::relu;
        if (a.rfind("gelu", 0) == 0)
            return Activation::gelu;  // gelu, gelu_new, gelu_pytorch_tanh, gelu_fast
        fail("field '" + k + "': unknown activation '" + a + "' (known: silu, swish, relu, gelu*)");
    }
    void check_unknown(bool allow) const {
        for (const auto& [k, v] : j.items()) {
            if (used.count(k) || ignored_common.count(k) || allow) continue;
            fail("unknown field '" + k + "' for model_type '" + family +
                 "' (it may change the architecture; pass --allow-unknown-fields to ignore it)");
        }
    }
};

// The fields Llama-style decoders (Llama, Mistral, Mixtral, Qwen2, DeepSeek) share under the same
// Hugging Face names: gated SiLU MLP, RMSNorm, untied embeddings unless said otherwise.
void read_llama_style_common(Reader& r, ModelConfig& m) {
    m.layers = r.integer("num_hidden_layers");
    m.hidden = r.integer("hidden_size");
    m.heads = r.integer("num_attention_heads");
    m.kv_heads = r.integer_or("num_key_value_heads", m.heads);
    m.ffn = r.integer("intermediate_size");
    m.vocab = r.integer("vocab_size");
    m.max_positions = r.integer("max_position_embeddings");
    m.gated_mlp = true;
    m.activation = r.activation("hidden_act", "silu");
    m.norm = NormKind::rmsnorm;
    m.tied_embeddings = r.boolean_or("tie_word_embeddings", false);
}

void read_llama_family(Reader& r, ModelConfig& m) {
    read_llama_style_common(r, m);
    m.head_dim = r.integer_or("head_dim", m.hidden / m.heads);
    // Qwen2 always has biases on Q, K and V (its modeling code hard-codes them).
    m.qkv_bias = r.boolean_or("attention_bias", r.family == "qwen2");
    m.out_bias = r.family == "qwen2" ? false : m.qkv_bias;
    m.mlp_bias = r.boolean_or("mlp_bias", false);
    m.attention_dropout = r.dropout("attention_dropout");
    r.ignore({"rms_norm_eps", "rope_theta", "rope_scaling", "pretraining_tp"});
    if (r.family == "mistral" || r.family == "mixtral" || r.family == "qwen2") {
        const bool use = r.boolean_or("use_sliding_window", true);
        r.ignore({"max_window_layers"});
        if (use && r.has("sliding_window")) m.sliding_window = r.integer_or("sliding_window", 0);
        r.used.insert("sliding_window");
    }
    if (r.family == "mixtral") {
        m.experts = r.integer("num_local_experts");
        m.top_k = r.integer("num_experts_per_tok");
        r.ignore({"router_aux_loss_coef", "output_router_logits", "router_jitter_noise"});
    }
}

void read_gpt2(Reader& r, ModelConfig& m) {
    m.layers = r.integer("n_layer");
    m.hidden = r.integer("n_embd");
    m.heads = m.kv_heads = r.integer("n_head");
    m.head_dim = m.hidden / m.heads;
    m.ffn = r.integer_or("n_inner", 4 * m.hidden);
    m.vocab = r.integer("vocab_size");
    m.max_positions = r.integer("n_positions");
    m.activation = r.activation("activation_function", "gelu_new");
    m.norm = NormKind::layernorm;
    m.tied_embeddings = r.boolean_or("tie_word_embeddings", true);
    m.learned_positions = true;
    m.qkv_bias = m.out_bias = m.mlp_bias = true;
    m.attention_dropout = r.dropout("attn_pdrop");
    r.ignore({"n_ctx", "embd_pdrop", "resid_pdrop", "layer_norm_epsilon", "scale_attn_weights",
              "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "summary_activation",
              "summary_first_dropout", "summary_proj_to_labels", "summary_type", "summary_use_proj",
              "task_specific_params"});
}

void read_gpt_neox(Reader& r, ModelConfig& m) {
    m.layers = r.integer("num_hidden_layers");
    m.hidden = r.integer("hidden_size");
    m.heads = m.kv_heads = r.integer("num_attention_heads");
    m.head_dim = m.hidden / m.heads;
    m.ffn = r.integer("intermediate_size");
    m.vocab = r.integer("vocab_size");
    m.max_positions = r.integer("max_position_embeddings");
    m.activation = r.activation("hidden_act", "gelu");
    m.norm = NormKind::layernorm;
    m.tied_embeddings = r.boolean_or("tie_word_embeddings", false);
    m.qkv_bias = m.out_bias = r.boolean_or("attention_bias", true);
    m.mlp_bias = true;
    m.parallel_residual = r.boolean_or("use_parallel_residual", true);
    r.ignore({"rotary_pct", "rotary_emb_base", "rope_theta", "rope_scaling", "layer_norm_eps",
              "classifier_dropout", "hidden_dropout"});
    m.attention_dropout = r.dropout("attention_dropout");
}

// DeepSeek-V2/V3 (Hugging Face DeepseekV2Config / DeepseekV3Config field names): MLA, shared
// and routed experts after `first_k_dense_replace` dense layers, group-limited routing, MTP.
void read_deepseek(Reader& r, ModelConfig& m) {
    read_llama_style_common(r, m);
    if (m.kv_heads != m.heads)
        r.fail("MLA models have one key/value head per query head (num_key_value_heads)");
    if (r.boolean_or("attention_bias", false))
        r.fail("attention_bias true is not modelled for MLA");
    m.mla = true;
    m.q_lora_rank = r.integer_or("q_lora_rank", 0);  // null: queries projected directly (V2-Lite)
    m.kv_lora_rank = r.integer("kv_lora_rank");
    m.qk_nope_dim = r.integer("qk_nope_head_dim");
    m.qk_rope_dim = r.integer("qk_rope_head_dim");
    m.v_head_dim = r.integer("v_head_dim");
    m.head_dim = m.v_head_dim;
    if (r.has("n_routed_experts")) {
        m.experts = r.integer("n_routed_experts");
        m.top_k = r.integer("num_experts_per_tok");
        m.moe_ffn = r.integer("moe_intermediate_size");
        m.shared_experts = r.integer_or("n_shared_experts", 0);
        m.first_dense_layers = r.count_or("first_k_dense_replace");
        if (r.integer_or("moe_layer_freq", 1) != 1)
            r.fail("moe_layer_freq other than 1 is not modelled");
        // Expert groups map to nodes (DeepSeek-V3 section 2.1.2: at most 4 nodes per token).
        const std::int64_t groups = r.integer_or("n_group", 1);
        const std::int64_t topk_groups = r.integer_or("topk_group", groups);
        if (groups > 1) m.route_nodes = topk_groups;
    }
    m.mtp_depth = r.count_or("num_nextn_predict_layers");
    m.attention_dropout = r.dropout("attention_dropout");
    r.ignore({"rms_norm_eps", "rope_theta", "rope_scaling", "pretraining_tp", "aux_loss_alpha",
              "ep_size", "norm_topk_prob", "routed_scaling_factor", "scoring_func", "seq_aux",
              "topk_method", "quantization_config", "auto_map", "rope_interleave"});
}

}  // namespace

ModelConfig parse_hf_config(const std::string& text, const std::string& origin,
                            const HfParseOptions& o) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {  // parse_error; out_of_range for 1e999
        std::string what = e.what();
        throw UsageError(origin + ": not valid JSON (" + what.substr(what.find(']') + 2) + ")");
    }
    if (!j.is_object()) throw UsageError(origin + ": a config.json must be a JSON object");
    if (!j.contains("model_type") || !j["model_type"].is_string())
        throw UsageError(origin +
                         ": missing required field 'model_type' (supported: llama, mistral, "
                         "mixtral, qwen2, gpt2, gpt_neox, deepseek_v2, deepseek_v3)");
    Reader r{j, origin, j["model_type"].get<std::string>(), {}};
    ModelConfig m;
    m.source = origin;
    m.name = r.family;
    if (j.contains("_name_or_path") && j["_name_or_path"].is_string() &&
        !j["_name_or_path"].get<std::string>().empty())
        m.name = j["_name_or_path"].get<std::string>();
    if (r.family == "llama" || r.family == "mistral" || r.family == "mixtral" ||
        r.family == "qwen2")
        read_llama_family(r, m);
    else if (r.family == "gpt2")
        read_gpt2(r, m);
    else if (r.family == "gpt_neox")
        read_gpt_neox(r, m);
    else if (r.family == "deepseek_v2" || r.family == "deepseek_v3")
        read_deepseek(r, m);
    else
        throw UsageError(origin + ": unsupported model_type '" + r.family +
                         "' (supported: llama, mistral, mixtral, qwen2, gpt2, gpt_neox, "
                         "deepseek_v2, deepseek_v3)");
    if (m.hidden % m.heads != 0 && !j.contains("head_dim"))
        r.fail("hidden size " + std::to_string(m.hidden) + " is not a multiple of the " +
               std::to_string(m.heads) + " attention heads (and no head_dim is given)");
    r.check_unknown(o.allow_unknown_fields);
    m.default_seq_len = m.max_positions;
    if (m.sliding_window > 0) m.default_seq_len = std::min(m.default_seq_len, m.sliding_window);
    validate_model(m);
    return m;
}

}  // namespace flopmeter::cost
