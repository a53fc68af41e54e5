#include "cli/bench_footer.hpp"

#include <set>

#include "cli/output.hpp"

namespace flopmeter {

void finish_bench_report(const ResultsDocument& doc, const std::vector<std::string>& notes, const std::string& json_path,
                         const RecordFlags& rec, std::ostream& out, std::ostream& data_out) {
    std::set<std::string> seen;
    for (const auto& w : doc.warnings)
        if (seen.insert(w).second) out << "WARNING: " << w << '\n';
    for (const auto& n : notes) out << "NOTE: " << n << '\n';
    bool all_valid = true;
    for (const auto& r : doc.results)
        if (r.status == CaseStatus::ok && !r.validated) all_valid = false;
    out << (all_valid ? "All timed kernels passed validation against the double-precision reference.\n"
                      : "Some kernels were timed without validation.\n");
    if (!json_path.empty()) {
        write_output(json_path, results_to_json_string(doc), data_out);
        if (json_path != "-") out << "Results written to " << json_path << '\n';
    }
    record_if_asked(rec, doc, out);
}

}  // namespace flopmeter
