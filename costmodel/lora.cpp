#include "costmodel/lora.hpp"

#include "core/error.hpp"

namespace flopmeter::cost {

namespace {

const std::set<std::string> attention_targets = {"q", "k", "v", "o"};
const std::set<std::string> mlp_targets = {"gate", "up", "down"};

std::string target_key(std::string t) {
    if (t.size() > 5 && t.substr(t.size() - 5) == "_proj") t.resize(t.size() - 5);
    return t;
}

}  // namespace

std::set<std::string> lora_target_set(const ModelConfig& m, const LoraSetup& l) {
    std::set<std::string> s;
    for (const auto& raw : l.targets) {
        const std::string t = target_key(raw);
        if (!attention_targets.count(t) && !mlp_targets.count(t))
            throw UsageError("unknown LoRA target module '" + raw +
                             "' (valid: q, k, v, o, gate, up, down)");
        if (t == "gate" && !m.gated_mlp)
            throw UsageError("LoRA target 'gate': model '" + m.name +
                             "' has no gated MLP (valid: q, k, v, o, up, down)");
        if (mlp_targets.count(t) && m.is_moe())
            throw UsageError(
                "LoRA on expert MLPs is not modelled; target the attention modules (q, k, v, o)");
        s.insert(t);
    }
    if (l.rank <= 0) throw UsageError("--lora-rank must be a positive integer");
    return s;
}

double lora_params(const ModelConfig& m, const LoraSetup& l) {
    const auto t = lora_target_set(m, l);
    const double r = double(l.rank), h = double(m.hidden), q = double(m.q_dim()),
                 kv = double(m.kv_dim()), f = double(m.ffn);
    double per_layer = 0;
    if (t.count("q")) per_layer += r * (h + q);
    if (t.count("k")) per_layer += r * (h + kv);
    if (t.count("v")) per_layer += r * (h + kv);
    if (t.count("o")) per_layer += r * (q + h);
    if (t.count("gate")) per_layer += r * (h + f);
    if (t.count("up")) per_layer += r * (h + f);
    if (t.count("down")) per_layer += r * (f + h);
    return per_layer * double(m.layers);
}

}  // namespace flopmeter::cost
