// Reading a Hugging Face config.json into a ModelConfig. Supported families: Llama-style
// (llama, mistral, mixtral, qwen2), GPT-2 (gpt2) and GPT-NeoX (gpt_neox). Every field is either
// used, or known not to change FLOPs or memory (dropout rates, token ids, RoPE base, ...);
// anything else is an error unless the caller allows unknown fields, because an unread field
// (say, a new attention variant) could make the estimate silently wrong.
#pragma once

#include <string>

#include "costmodel/model_config.hpp"

namespace flopmeter::cost {

struct HfParseOptions {
    bool allow_unknown_fields = false;
};

// `text` is the file's content, `origin` names it in errors. Throws UsageError with one line:
// malformed JSON, unsupported model_type, a missing required field (named), a field of the
// wrong type or value, or an unknown field.
ModelConfig parse_hf_config(const std::string& text, const std::string& origin,
                            const HfParseOptions& o = {});

}  // namespace flopmeter::cost
