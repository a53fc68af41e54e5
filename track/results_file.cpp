#include "track/results_file.hpp"

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "track/gbench_import.hpp"

namespace flopmeter {

void check_results_have_samples(const ResultsDocument& doc, const std::string& what) {
    std::size_t timed = 0;
    for (const auto& c : doc.results) {
        if (c.status != CaseStatus::ok) continue;
        if (c.measurement.samples.empty())
            throw UsageError(what + ": case '" + c.name +
                             "' has no raw samples (timing.samples is empty); flopmeter compares sample "
                             "distributions, so record files written with the samples");
        for (double s : c.measurement.samples)
            if (!(s > 0) || s != s)
                throw UsageError(what + ": case '" + c.name + "' has a sample that is not a positive time");
        ++timed;
    }
    if (timed == 0) throw UsageError(what + ": no timed case with samples (every case failed or was unavailable)");
}

ResultsDocument load_results_file(const std::string& path) {
    const std::string text = read_file(path);
    nlohmann::ordered_json j;
    try {
        j = nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw UsageError(path + ": not valid JSON (" + std::string(e.what()) + ")");
    }
    ResultsDocument doc;
    try {
        if (j.is_object() && j.contains("schema")) {
            doc = results_from_json_string(text);
        } else if (is_gbench_json(j)) {
            doc = gbench_to_results(j);
        } else {
            throw UsageError("neither flopmeter results JSON (\"schema\": \"flopmeter.results\") nor Google "
                             "Benchmark JSON (--benchmark_format=json)");
        }
    } catch (const UsageError& e) {
        const std::string m = e.what();
        throw UsageError(m.rfind(path, 0) == 0 ? m : path + ": " + m);
    }
    check_results_have_samples(doc, path);
    return doc;
}

}  // namespace flopmeter
