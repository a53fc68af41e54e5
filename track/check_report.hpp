// Printers for a comparison: a console table, Markdown for a pull-request comment, and the
// "flopmeter.check" JSON (input of scripts/report_html.py). They format; they decide nothing.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "track/compare.hpp"

namespace flopmeter {

struct CheckContext {
    std::string baseline_label, candidate_label;
    std::vector<FieldDiff> hardware_diffs;  // non-empty only with --allow-different-hardware
};

void print_check_text(std::ostream& os, const Comparison& c, const CheckContext& ctx);
std::string check_markdown(const Comparison& c, const CheckContext& ctx);
nlohmann::ordered_json check_to_json(const Comparison& c, const CheckContext& ctx);

// "1 SLOWER, 0 FASTER, 18 SAME, 1 NOISY"
std::string check_summary(const Comparison& c);

}  // namespace flopmeter
