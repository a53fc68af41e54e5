// A validator for the subset of JSON Schema (draft 2020-12 keywords) that flopmeter's own
// schemas use: type (one or a list), properties, required, additionalProperties, items,
// enum, const, minimum, maximum, exclusiveMinimum, minItems, minLength, anyOf, and $ref to
// "#/$defs/<name>". Unknown keywords are ignored, as the specification allows. Errors carry a
// JSON Pointer to the offending value so a user can find it in the file.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace flopmeter {

struct SchemaError {
    std::string pointer;  // e.g. "/results/3/timing/median"
    std::string message;  // e.g. "expected number, got string"
};

// Returns every violation (empty when the document is valid).
std::vector<SchemaError> validate_json_schema(const nlohmann::ordered_json& schema,
                                              const nlohmann::ordered_json& doc);

// Throws UsageError "<what>: <pointer>: <message>" (first few errors) when invalid.
void require_schema_valid(const nlohmann::ordered_json& schema, const nlohmann::ordered_json& doc,
                          const std::string& what);

}  // namespace flopmeter
