#include "cli/sampler_flags.hpp"

#include <string>

#include "core/error.hpp"

namespace flopmeter {

void add_sampler_flags(CLI::App* sub, SamplerConfig& s, const char* budget_default) {
    const std::string dflt = budget_default ? std::string(" (default ") + budget_default + ")" : "";
    sub->add_option("--target-ci", s.target_rel_ci,
                    "Stop when the 95% CI of the median is within this fraction (default 0.01)");
    sub->add_option("--budget", s.budget_s, "Seconds of sampling per case at most" + dflt);
    sub->add_option("--min-samples", s.min_samples, "Samples per case at least (default 10)");
    sub->add_option("--warmup", s.warmup_s,
                    "Seconds of untimed calls before sampling, validation's call included "
                    "(default 0.05; `ab` asks its served sides for less, see docs/tracking.md)");
}

void check_sampler_flags(const SamplerConfig& s) {
    if (!(s.target_rel_ci > 0)) throw UsageError("--target-ci must be positive");
    if (!(s.budget_s > 0)) throw UsageError("--budget must be positive");
    if (!(s.warmup_s >= 0)) throw UsageError("--warmup must be >= 0 seconds");
    if (s.min_samples < 1) throw UsageError("--min-samples must be at least 1");
}

}  // namespace flopmeter
