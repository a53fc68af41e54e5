#include "core/shape_presets.hpp"

#include "core/error.hpp"

namespace flopmeter {

namespace {

std::vector<GemmShape> squares(std::initializer_list<std::int64_t> sizes) {
    std::vector<GemmShape> v;
    for (auto s : sizes) v.push_back({s, s, s});
    return v;
}

// T tokens through the projections (N, K) of a model.
std::vector<GemmShape> tokens_through(
    std::int64_t t, std::initializer_list<std::pair<std::int64_t, std::int64_t>> nk) {
    std::vector<GemmShape> v;
    for (auto [n, k] : nk) v.push_back({t, n, k});
    return v;
}

flops::AttentionShape att(std::int64_t b, std::int64_t h, std::int64_t g, std::int64_t sq,
                          std::int64_t sk, std::int64_t d, bool causal = false) {
    return {b, h, g, sq, sk, d, d, causal};
}

std::vector<GemmPreset> make_gemm() {
    std::vector<GemmPreset> v;
    v.push_back({"gemm", "square", "256..4096 squares", squares({256, 512, 1024, 2048, 4096})});
    // GPT-2 small's fused QKV, output projection, MLP up and down; Llama 2 7B's output projection
    // and MLP up: 2048 tokens each.
    v.push_back({"gemm", "llm", "M=2048 through GPT-2 small and Llama 2 7B projections/MLP",
                 tokens_through(2048, {{2304, 768},
                                       {768, 768},
                                       {3072, 768},
                                       {768, 3072},
                                       {4096, 4096},
                                       {11008, 4096},
                                       {4096, 11008}})});
    {
        auto q = squares({256, 512, 1024});
        q.push_back({2048, 768, 768});
        v.push_back({"gemm", "quick", "256..1024 squares and one GPT-2 projection", q});
    }
    v.push_back(
        {"cuda-gemm", "square", "1024..16384 squares", squares({1024, 2048, 4096, 8192, 16384})});
    // Llama 2 7B: fused QKV (3 x 4096), output projection, MLP gate+up (2 x 11008), MLP down.
    v.push_back(
        {"cuda-gemm", "llm", "M=8192 through Llama 2 7B's QKV, output, gate+up, down",
         tokens_through(8192, {{12288, 4096}, {4096, 4096}, {22016, 4096}, {4096, 11008}})});
    // Llama 2 70B: fused QKV (8192 + 2 x 8 KV heads x 128), output, gate+up (2 x 28672), down.
    v.push_back(
        {"cuda-gemm", "llm-70b", "M=8192 through Llama 2 70B's QKV, output, gate+up, down",
         tokens_through(8192, {{10240, 8192}, {8192, 8192}, {57344, 8192}, {8192, 28672}})});
    v.push_back({"cuda-gemm", "quick", "1024, 4096, 8192 squares", squares({1024, 4096, 8192})});
    // The Google Benchmark binary's GPU GEMM targets: 8192^3 (bf16 cuBLAS vs own) and 4096^3
    // (also fp32 SIMT vs SGEMM).
    v.push_back({"cuda-gemm", "targets", "8192^3 and 4096^3", squares({8192, 4096})});
    // `compare`'s key shapes per device: a square, Llama 2 7B's output projection and MLP up for
    // 2048 tokens, and one decode token through the output projection.
    v.push_back({"compare",
                 "gemm",
                 "4096^3, Llama 2 7B projection and MLP at 2048 tokens, one decode token",
                 {{4096, 4096, 4096}, {2048, 4096, 4096}, {2048, 11008, 4096}, {1, 4096, 4096}}});
    // Llama 2 7B's MLP up projection (4096 -> 11008): one token, a few decode batch sizes, a
    // prefill.
    v.push_back(
        {"quant", "gemv", "1x11008x4096 (one token, Llama 2 7B MLP up)", {{1, 11008, 4096}}});
    v.push_back({"quant",
                 "decode",
                 "M=1,4,16,64 x 11008x4096",
                 {{1, 11008, 4096}, {4, 11008, 4096}, {16, 11008, 4096}, {64, 11008, 4096}}});
    v.push_back({"quant", "gemm", "2048x4096x4096", {{2048, 4096, 4096}}});
    return v;
}

std::vector<AttentionPreset> make_attention() {
    std::vector<AttentionPreset> v;
    v.push_back({"attention",
                 "quick",
                 "one training and one decode shape",
                 {att(1, 8, 8, 512, 512, 64), att(1, 8, 2, 1, 2048, 64)}});
    // Llama-like: 16 heads of 128 at 2k and 4k tokens.
    v.push_back({"attention",
                 "train",
                 "16 heads x 128, S 2k/4k",
                 {att(1, 16, 16, 2048, 2048, 128), att(1, 16, 16, 4096, 4096, 128)}});
    v.push_back({"attention",
                 "decode",
                 "Sq 1, Sk 4k/32k, G 4",
                 {att(1, 16, 4, 1, 4096, 128), att(1, 16, 4, 1, 32768, 128)}});
    {
        // The Google Benchmark binary's sweep: 16 heads, MHA, GQA (4) and MQA, D 64 and 128,
        // S 512..8192, causal and not (forward and backward); decode against 1k..32k caches.
        AttentionPreset s{"attention-sweep",
                          "train",
                          "H 16, G 16/4/1, D 64/128, S 512..8192, full and causal",
                          {}};
        for (std::int64_t d : {64, 128})
            for (std::int64_t g : {16, 4, 1})
                for (bool causal : {false, true})
                    for (std::int64_t n : {512, 1024, 2048, 4096, 8192})
                        s.shapes.push_back(att(1, 16, g, n, n, d, causal));
        v.push_back(s);
        AttentionPreset dec{
            "attention-sweep", "decode", "H 16, G 16/4/1, D 128, Sq 1, Sk 1k..32k", {}};
        for (std::int64_t g : {16, 4, 1})
            for (std::int64_t sk : {1024, 2048, 4096, 8192, 16384, 32768})
                dec.shapes.push_back(att(1, 16, g, 1, sk, 128));
        v.push_back(dec);
    }
    // Llama 2 7B-sized heads (32 x 128): prefill, MHA and GQA (8 KV heads, as Llama 2 70B).
    v.push_back({"cuda-attention",
                 "llm",
                 "prefill: 32 heads x 128, S 1k..8k, MHA and GQA",
                 {att(4, 32, 32, 4096, 4096, 128), att(16, 32, 32, 1024, 1024, 128),
                  att(4, 32, 8, 4096, 4096, 128), att(2, 32, 8, 8192, 8192, 128)}});
    // The Google Benchmark binary's GPU attention targets: B 4, H 32, S 4096, D 128 (forward and
    // backward, causal and not) and S 2048, where the unfused baseline still fits.
    v.push_back({"cuda-attention",
                 "targets",
                 "B 4, 32 heads x 128, S 4096 and 2048",
                 {att(4, 32, 32, 4096, 4096, 128), att(4, 32, 32, 2048, 2048, 128)}});
    // `compare`'s key attention shape: causal prefill of Llama 2 7B's 32 heads x 128 at 4k tokens.
    v.push_back({"compare",
                 "attention",
                 "causal, 32 heads x 128, S 4096",
                 {att(1, 32, 32, 4096, 4096, 128, true)}});
    v.push_back(
        {"cuda-attention",
         "decode",
         "one query, 8 KV heads, caches 2k..32k",
         {att(8, 32, 8, 1, 2048, 128), att(8, 32, 8, 1, 8192, 128), att(8, 32, 8, 1, 32768, 128)}});
    return v;
}

template <class P>
const P& find(const std::vector<P>& all, const std::string& family, const std::string& name) {
    std::string valid;
    for (const auto& p : all)
        if (p.family == family) {
            if (p.name == name) return p;
            valid += (valid.empty() ? "" : ", ") + p.name;
        }
    throw UsageError("unknown --preset '" + name + "' (valid: " + valid + ")");
}

template <class F>
void each_preset(const std::string& family, F f) {
    for (const auto& p : gemm_presets())
        if (p.family == family) f(p.name, p.description);
    for (const auto& p : attention_presets())
        if (p.family == family) f(p.name, p.description);
}

}  // namespace

const std::vector<GemmPreset>& gemm_presets() {
    static const std::vector<GemmPreset> v = make_gemm();
    return v;
}

const std::vector<AttentionPreset>& attention_presets() {
    static const std::vector<AttentionPreset> v = make_attention();
    return v;
}

const GemmPreset& gemm_preset(const std::string& family, const std::string& name) {
    return find(gemm_presets(), family, name);
}

const AttentionPreset& attention_preset(const std::string& family, const std::string& name) {
    return find(attention_presets(), family, name);
}

std::string preset_help(const std::string& family) {
    std::string s = "Shape preset:";
    bool first = true;
    each_preset(family, [&](const std::string& n, const std::string& d) {
        s += (first ? " " : ", ") + n + " (" + d + ")";
        first = false;
    });
    return s;
}

std::string preset_names(const std::string& family) {
    std::string s;
    each_preset(family,
                [&](const std::string& n, const std::string&) { s += (s.empty() ? "" : "|") + n; });
    return s;
}

}  // namespace flopmeter
