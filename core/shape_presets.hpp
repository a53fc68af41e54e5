// Named shape lists, one table for the whole tree: `bench gemm --preset llm`, `bench
// cuda-gemm --preset llm`, `bench quant --preset decode`, the attention commands and the Google
// Benchmark binary all read their shapes here, so a name means the same shapes everywhere (and
// the calibration can take the same lists: gemm_preset("gemm", "llm").shapes).
//
// Model dimensions behind the LLM presets (hidden d, MLP width, heads), from the models' papers:
//   GPT-2 small: d 768, MLP 3072, 12 heads (Radford et al. 2019, "Language Models are
//     Unsupervised Multitask Learners", Table 2; the released config.json).
//   Llama 2 7B: d 4096, MLP 11008 (SwiGLU), 32 heads of 128; Llama 2 70B: d 8192, MLP 28672,
//     64 heads, 8 KV heads (Touvron et al. 2023, "Llama 2", Table 1 and section 2.2; the released
//     config.json files).
// A projection of T tokens is the GEMM M = T, N = outputs, K = inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/flops.hpp"

namespace flopmeter {

struct GemmShape {
    std::int64_t m, n, k;
};

struct GemmPreset {
    std::string family;  // "gemm" (CPU), "cuda-gemm", "quant", "compare"
    std::string name;
    std::string description;
    std::vector<GemmShape> shapes;
};

struct AttentionPreset {
    std::string family;  // "attention" (CPU), "attention-sweep" (Google Benchmark binary),
                         // "cuda-attention", "compare"
    std::string name;
    std::string description;
    std::vector<flops::AttentionShape> shapes;  // value_dim = head_dim; causal as listed
};

const std::vector<GemmPreset>& gemm_presets();
const std::vector<AttentionPreset>& attention_presets();

// The preset, or UsageError "unknown --preset 'x' (valid: a, b, c)".
const GemmPreset& gemm_preset(const std::string& family, const std::string& name);
const AttentionPreset& attention_preset(const std::string& family, const std::string& name);

// "Shape preset: square (...), llm (...), quick (...)" for a command's --help.
std::string preset_help(const std::string& family);
// "square|llm|quick"
std::string preset_names(const std::string& family);

}  // namespace flopmeter
