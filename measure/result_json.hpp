// flopmeter's versioned results JSON: a document holding the provenance once and every case
// with its statistics and raw samples. Schema: docs/results-schema.md. Readers check the
// schema name and version and reject what they do not understand.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/provenance.hpp"
#include "measure/result.hpp"

namespace flopmeter {

inline constexpr const char* kResultsSchema = "flopmeter.results";
inline constexpr int kResultsSchemaVersion = 1;

struct ResultsDocument {
    Provenance provenance;
    std::vector<CaseResult> results;
    std::vector<std::string> warnings;  // run-level warnings (environment, contention)
};

nlohmann::ordered_json provenance_to_json(const Provenance& p);
Provenance provenance_from_json(const nlohmann::ordered_json& j);
nlohmann::ordered_json case_to_json(const CaseResult& r);
CaseResult case_from_json(const nlohmann::ordered_json& j);

const nlohmann::ordered_json& results_schema();  // docs/schema/results.schema.json, embedded

std::string results_to_json_string(const ResultsDocument& doc);
// Throws UsageError with the reason for malformed JSON, another schema, or a newer version.
ResultsDocument results_from_json_string(const std::string& text);

}  // namespace flopmeter
