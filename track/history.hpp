// A case's history across runs: one series per (case, hardware fingerprint), since runs on
// different machines are not one history, with change points on the log of the median time.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "track/change_points.hpp"
#include "track/store.hpp"

namespace flopmeter {

struct HistorySeries {
    std::string name, fingerprint, hostname;
    std::vector<CaseRow> points;  // oldest first
    ChangePoints changes;
};

// Glob (*, ?, [..]) when the pattern has one of those characters, else a substring; "" matches all.
bool case_matches(const std::string& name, const std::string& pattern);

std::vector<HistorySeries> build_history(const std::vector<CaseRow>& rows,
                                         const std::string& pattern, const ChangePointOptions& o);

// "flopmeter.history" JSON: the input of scripts/plot_history.py and scripts/report_html.py.
nlohmann::ordered_json history_to_json(const std::vector<HistorySeries>& series,
                                       const ChangePointOptions& o);

}  // namespace flopmeter
