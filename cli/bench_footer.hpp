// What the CPU bench commands print and write after their table: each distinct warning once,
// the notes, whether every timed kernel was validated, the results JSON and the results store
// when asked. `out` takes the text, `data_out` the JSON when json_path is "-".
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/record_flags.hpp"
#include "measure/result_json.hpp"

namespace flopmeter {

void finish_bench_report(const ResultsDocument& doc, const std::vector<std::string>& notes, const std::string& json_path,
                         const RecordFlags& rec, std::ostream& out, std::ostream& data_out);

}  // namespace flopmeter
