// The stopping rule's flags of every bench command (`--target-ci`, `--budget`, `--min-samples`,
// `--warmup`), one definition for all, and their checks.
#pragma once

#include <CLI/CLI.hpp>

#include "measure/sampler.hpp"

namespace flopmeter {

// `budget_default`: the default shown in --budget's help ("2"), or nullptr to show none.
void add_sampler_flags(CLI::App* sub, SamplerConfig& s, const char* budget_default = "2");

// Throws UsageError naming the flag for a non-positive --target-ci or --budget, a negative
// --warmup or --min-samples below 1.
void check_sampler_flags(const SamplerConfig& s);

}  // namespace flopmeter
