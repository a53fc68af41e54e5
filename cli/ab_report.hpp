// Printers for `flopmeter ab`: console table, Markdown for a pull-request comment, and the
// "flopmeter.ab" JSON. They format; they decide nothing (track/ab_analysis.hpp decides).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "track/ab_analysis.hpp"
#include "track/ab_session.hpp"

namespace flopmeter {

struct AbRunInfo {
    std::uint64_t seed = 0;
    int rounds = 0;           // asked for (--rounds); AbSession::rounds_run says how many ran
    double time_limit_s = 0;  // --time-limit (0: none)
    bool duet = false;
    double quantile = 0.2;  // a visit's time: this quantile of its samples
    std::int64_t baseline_run_id = 0, candidate_run_id = 0;  // 0: not recorded
    std::string db;
};

std::string ab_summary(
    const AbAnalysis& a);  // "1 SLOWER, 0 FASTER, 10 SAME, 1 NOISY, 0 failed, 0 missing"
void print_ab_text(std::ostream& os, const AbSession& s, const AbAnalysis& a,
                   const AbRunInfo& info);
std::string ab_markdown(const AbSession& s, const AbAnalysis& a, const AbRunInfo& info);
nlohmann::ordered_json ab_to_json(const AbSession& s, const AbAnalysis& a, const AbRunInfo& info);

}  // namespace flopmeter
