#include "costmodel/presets.hpp"

#include <algorithm>
#include <cctype>

namespace flopmeter::cost {

namespace {

// GPT-2/GPT-3/OPT style: LayerNorm with biases everywhere, plain 4x MLP, learned positions,
// tied embeddings.
ModelConfig gpt_style(std::string name, std::string source, std::int64_t layers,
                      std::int64_t hidden, std::int64_t heads, std::int64_t vocab,
                      std::int64_t ctx) {
    ModelConfig m;
    m.name = std::move(name);
    m.source = std::move(source);
    m.layers = layers;
    m.hidden = hidden;
    m.heads = m.kv_heads = heads;
    m.head_dim = hidden / heads;
    m.ffn = 4 * hidden;
    m.vocab = vocab;
    m.max_positions = m.default_seq_len = ctx;
    m.activation = Activation::gelu;
    m.norm = NormKind::layernorm;
    m.tied_embeddings = true;
    m.learned_positions = true;
    m.qkv_bias = m.out_bias = m.mlp_bias = true;
    return m;
}

// Llama style: RMSNorm, SwiGLU MLP, RoPE (no position table), no biases, untied head.
ModelConfig llama_style(std::string name, std::string source, std::int64_t layers,
                        std::int64_t hidden, std::int64_t heads, std::int64_t kv_heads,
                        std::int64_t ffn, std::int64_t vocab, std::int64_t max_pos,
                        std::int64_t train_seq) {
    ModelConfig m;
    m.name = std::move(name);
    m.source = std::move(source);
    m.layers = layers;
    m.hidden = hidden;
    m.heads = heads;
    m.kv_heads = kv_heads;
    m.head_dim = hidden / heads;
    m.ffn = ffn;
    m.vocab = vocab;
    m.max_positions = max_pos;
    m.default_seq_len = train_seq;
    m.gated_mlp = true;
    m.activation = Activation::silu;
    m.norm = NormKind::rmsnorm;
    return m;
}

std::vector<Preset> make_presets() {
    std::vector<Preset> v;
    auto add = [&](std::string key, ModelConfig m, double published, std::string src,
                   double active = 0) {
        v.push_back(Preset{std::move(key), std::move(m), published, active, std::move(src)});
    };

    add("gpt2",
        gpt_style("GPT-2 small",
                  "Radford et al. 2019; Hugging Face openai-community/gpt2 config.json (n_layer "
                  "12, n_embd 768, n_head 12, vocab 50257, n_positions 1024)",
                  12, 768, 12, 50257, 1024),
        124439808,
        "Hugging Face openai-community/gpt2 model page: 124,439,808 parameters (\"124M\")");

    add("gpt3-175b",
        gpt_style("GPT-3 175B",
                  "Brown et al. 2020, Table 2.1 (96 layers, d_model 12288, 96 heads of 128, "
                  "context 2048); GPT-2 BPE vocabulary 50257; all layers counted as dense "
                  "attention (the paper's locally banded layers have no published band size)",
                  96, 12288, 96, 50257, 2048),
        175.0e9, "Brown et al. 2020, Table 2.1: 175.0B");

    {
        ModelConfig m = gpt_style(
            "OPT-175B",
            "Zhang et al. 2022 (OPT), Table 1 (96 layers, 96 heads, d 12288, ReLU, context 2048); "
            "vocabulary 50272 and 2048+2 learned positions per the released config.json",
            96, 12288, 96, 50272, 2048);
        m.activation = Activation::relu;
        m.max_positions = 2050;  // OPT offsets learned positions by 2
        add("opt-175b", m, 175e9, "Zhang et al. 2022: 175B");
    }

    add("llama-65b",
        llama_style("LLaMA 65B",
                    "Touvron et al. 2023 (LLaMA), Table 2 (80 layers, dim 8192, 64 heads, context "
                    "2048); FFN 22016 = 2/3 x 4d rounded up to a multiple of 256 as in the "
                    "released params.json; vocabulary 32000",
                    80, 8192, 64, 64, 22016, 32000, 2048, 2048),
        65.2e9, "Touvron et al. 2023, Table 2: 65.2B");

    add("llama2-7b",
        llama_style("Llama 2 7B",
                    "Hugging Face meta-llama/Llama-2-7b-hf config.json (32 layers, hidden 4096, 32 "
                    "heads, intermediate 11008, vocab 32000, context 4096)",
                    32, 4096, 32, 32, 11008, 32000, 4096, 4096),
        6738415616, "Hugging Face meta-llama/Llama-2-7b-hf safetensors metadata: 6,738,415,616");

    add("llama2-70b",
        llama_style("Llama 2 70B",
                    "Hugging Face meta-llama/Llama-2-70b-hf config.json (80 layers, hidden 8192, "
                    "64 heads, 8 KV heads, intermediate 28672, vocab 32000, context 4096)",
                    80, 8192, 64, 8, 28672, 32000, 4096, 4096),
        68976648192, "Hugging Face meta-llama/Llama-2-70b-hf safetensors metadata: 68,976,648,192");

    add("llama3.1-8b",
        llama_style("Llama 3.1 8B",
                    "Hugging Face meta-llama/Llama-3.1-8B config.json (32 layers, hidden 4096, 32 "
                    "heads, 8 KV heads, intermediate 14336, vocab 128256); pretraining sequence "
                    "8192 per Dubey et al. 2024 (Llama 3), section 3.4",
                    32, 4096, 32, 8, 14336, 128256, 131072, 8192),
        8030261248, "Hugging Face meta-llama/Llama-3.1-8B safetensors metadata: 8,030,261,248");

    add("llama3.1-70b",
        llama_style("Llama 3.1 70B",
                    "Hugging Face meta-llama/Llama-3.1-70B config.json (80 layers, hidden 8192, 64 "
                    "heads, 8 KV heads, intermediate 28672, vocab 128256); pretraining sequence "
                    "8192 (Llama 3 paper)",
                    80, 8192, 64, 8, 28672, 128256, 131072, 8192),
        70553706496, "Hugging Face meta-llama/Llama-3.1-70B safetensors metadata: 70,553,706,496");

    add("llama3.1-405b",
        llama_style(
            "Llama 3.1 405B",
            "Dubey et al. 2024 (Llama 3), Table 3 (126 layers, dim 16384, FFN 53248, 128 heads, 8 "
            "KV heads); vocab 128256 per the released config.json; pretraining sequence 8192",
            126, 16384, 128, 8, 53248, 128256, 131072, 8192),
        405853388800,
        "Hugging Face meta-llama/Llama-3.1-405B safetensors metadata: 405,853,388,800");

    {
        // Gopher-family transformer (Rae et al. 2021): RMSNorm, Transformer-XL relative
        // positions. Their published sizes equal 13*L*d^2 + V*d (e.g. the 417M model:
        // 12 layers, d 1536), which fixes the relative-position projection and tied embeddings.
        ModelConfig m;
        m.name = "Chinchilla 70B";
        m.source =
            "Hoffmann et al. 2022, Table 4 (80 layers, 64 heads, key/value size 128, d_model "
            "8192); FFN 4 x d_model, RMSNorm, relative positional encoding, 32000-token "
            "SentencePiece vocabulary and 2048 context per Rae et al. 2021 (Gopher)";
        m.layers = 80;
        m.hidden = 8192;
        m.heads = m.kv_heads = 64;
        m.head_dim = 128;
        m.ffn = 4 * 8192;
        m.vocab = 32000;
        m.max_positions = m.default_seq_len = 2048;
        m.activation = Activation::gelu;
        m.norm = NormKind::rmsnorm;
        m.tied_embeddings = true;
        m.relative_position_projection = true;
        add("chinchilla-70b", m, 70e9, "Hoffmann et al. 2022: 70B");
    }

    {
        ModelConfig m = llama_style(
            "Mixtral 8x7B",
            "Jiang et al. 2024 (Mixtral of Experts), Table 1; Hugging Face "
            "mistralai/Mixtral-8x7B-v0.1 config.json (32 layers, hidden 4096, 32 heads, 8 KV "
            "heads, intermediate 14336, 8 experts, top-2, vocab 32000, context 32768)",
            32, 4096, 32, 8, 14336, 32000, 32768, 32768);
        m.experts = 8;
        m.top_k = 2;
        add("mixtral-8x7b", m, 46702792704,
            "Hugging Face mistralai/Mixtral-8x7B-v0.1 safetensors metadata: 46,702,792,704; active "
            "12.9B per Jiang et al. 2024",
            12.9e9);
    }

    {
        ModelConfig m =
            llama_style("Mixtral 8x22B",
                        "Hugging Face mistralai/Mixtral-8x22B-v0.1 config.json (56 layers, hidden "
                        "6144, 48 heads, 8 KV heads, intermediate 14336 -> 16384 per expert, 8 "
                        "experts, top-2, vocab 32000, context 65536)",
                        56, 6144, 48, 8, 16384, 32000, 65536, 65536);
        m.experts = 8;
        m.top_k = 2;
        add("mixtral-8x22b", m, 141e9,
            "Mistral AI, 'Cheaper, Better, Faster, Stronger' (Mixtral 8x22B announcement, April "
            "2024): 141B total, 39B active parameters",
            39e9);
    }

    {
        // DeepSeek-V2: MLA, 2 shared + 160 routed experts (top-6), the first layer dense.
        ModelConfig m = llama_style(
            "DeepSeek-V2",
            "DeepSeek-AI 2024, DeepSeek-V2 report, section 3.1.2 (60 layers, hidden 5120, 128 "
            "heads, MLA with d_c 512, d_c' 1536, per-head dim 128 + 64 RoPE, 2 shared and 160 "
            "routed experts of 1536, top-6, all but the first layer MoE, sequence 4K) and Hugging "
            "Face deepseek-ai/DeepSeek-V2 config.json (dense intermediate 12288, vocab 102400)",
            60, 5120, 128, 128, 12288, 102400, 163840, 4096);
        m.head_dim = 128;
        m.mla = true;
        m.q_lora_rank = 1536;
        m.kv_lora_rank = 512;
        m.qk_nope_dim = 128;
        m.qk_rope_dim = 64;
        m.v_head_dim = 128;
        m.experts = 160;
        m.top_k = 6;
        m.moe_ffn = 1536;
        m.shared_experts = 2;
        m.first_dense_layers = 1;
        add("deepseek-v2", m, 236e9,
            "DeepSeek-V2 report, abstract: 236B total parameters, 21B activated per token", 21e9);
    }

    {
        // DeepSeek-V3: MLA, 1 shared + 256 routed experts (top-8, at most 4 nodes per token), the
        // first 3 layers dense, one multi-token prediction module.
        ModelConfig m = llama_style(
            "DeepSeek-V3",
            "DeepSeek-AI 2024, DeepSeek-V3 Technical Report, section 4.2 (61 layers, hidden 7168, "
            "128 heads, MLA with d_c 512, d_c' 1536, per-head dim 128 + 64 RoPE, 1 shared and 256 "
            "routed experts of 2048, top-8, at most 4 nodes, first 3 layers dense, MTP depth 1, "
            "sequence 4K) and Hugging Face deepseek-ai/DeepSeek-V3 config.json (dense intermediate "
            "18432, vocab 129280)",
            61, 7168, 128, 128, 18432, 129280, 163840, 4096);
        m.head_dim = 128;
        m.mla = true;
        m.q_lora_rank = 1536;
        m.kv_lora_rank = 512;
        m.qk_nope_dim = 128;
        m.qk_rope_dim = 64;
        m.v_head_dim = 128;
        m.experts = 256;
        m.top_k = 8;
        m.moe_ffn = 2048;
        m.shared_experts = 1;
        m.first_dense_layers = 3;
        m.route_nodes = 4;
        m.mtp_depth = 1;
        add("deepseek-v3", m, 671e9,
            "DeepSeek-V3 Technical Report, abstract and section 4.2: 671B total, 37B activated per "
            "token (MTP module excluded)",
            37e9);
    }

    {
        // PaLM: parallel attention + MLP, multi-query attention, SwiGLU, no biases, shared
        // input/output embeddings.
        ModelConfig m =
            llama_style("PaLM 540B",
                        "Chowdhery et al. 2022 (PaLM), Table 1 (118 layers, d_model 18432, 48 "
                        "heads of 256, FFN 4 x d_model with SwiGLU, multi-query attention, "
                        "vocabulary 256k, sequence 2048, shared embeddings, no biases)",
                        118, 18432, 48, 1, 4 * 18432, 256000, 2048, 2048);
        m.head_dim = 256;
        m.norm = NormKind::layernorm;
        m.tied_embeddings = true;
        m.parallel_residual = true;
        add("palm-540b", m, 540.35e9, "Chowdhery et al. 2022, Table 1: 540.35B");
    }
    return v;
}

std::string canonical(const std::string& s) {
    std::string o;
    for (char c : s)
        if (c != '-' && c != '_' && c != '.' && c != ' ')
            o += char(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

}  // namespace

const std::vector<Preset>& presets() {
    static const std::vector<Preset> v = make_presets();
    return v;
}

const Preset* find_preset(const std::string& key) {
    const std::string k = canonical(key);
    for (const auto& p : presets())
        if (canonical(p.key) == k || canonical(p.model.name) == k) return &p;
    return nullptr;
}

std::string preset_names() {
    std::string s;
    for (const auto& p : presets()) s += (s.empty() ? "" : ", ") + p.key;
    return s;
}

}  // namespace flopmeter::cost
