#include "track/results_file.hpp"

#include <cmath>
#include <utility>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "track/gbench_import.hpp"

namespace flopmeter {

namespace {

// Largest time one sample may take: a kernel call of more than a day is no benchmark sample
// but a corrupt or hand-edited file, and squaring such values overflows the statistics.
constexpr double kMaxSampleSeconds = 86400.0;
// FLOP and byte counts beyond 1e30 (a thousand times a frontier training run) are corrupt.
constexpr double kMaxCount = 1e30;

void check_number(const std::string& what, const CaseResult& c, const char* field, double v,
                  double lo, double hi) {
    if (!(std::isfinite(v) && v >= lo && v <= hi))
        throw UsageError(what + ": case '" + c.name + "': field '" + field +
                         "' = " + std::to_string(v) + " is out of range [" + std::to_string(lo) +
                         ", " + std::to_string(hi) + "]");
}

}  // namespace

void check_results_have_samples(const ResultsDocument& doc, const std::string& what) {
    std::size_t timed = 0;
    for (const auto& c : doc.results) {
        check_number(what, c, "model_flops", c.model_flops, 0, kMaxCount);
        check_number(what, c, "executed_flops", c.executed_flops, 0, kMaxCount);
        check_number(what, c, "bytes", c.bytes, 0, kMaxCount);
        if (c.status != CaseStatus::ok) continue;
        if (c.measurement.samples.empty())
            throw UsageError(
                what + ": case '" + c.name +
                "' has no raw samples (timing.samples is empty); flopmeter compares sample "
                "distributions, so record files written with the samples");
        for (double s : c.measurement.samples)
            if (!(s > 0 && s <= kMaxSampleSeconds))
                throw UsageError(what + ": case '" + c.name + "' has a sample of " +
                                 std::to_string(s) +
                                 " s: every sample must be a positive time of at most one day");
        const Stats& st = c.measurement.stats;
        for (const auto& [field, v] : {std::pair<const char*, double>{"stats.median", st.median},
                                       {"stats.min", st.min},
                                       {"stats.max", st.max},
                                       {"stats.p10", st.p10},
                                       {"stats.p90", st.p90},
                                       {"stats.mean", st.mean}})
            check_number(what, c, field, v, 0, kMaxSampleSeconds);
        check_number(what, c, "stats.stddev", st.stddev, 0, kMaxSampleSeconds);
        check_number(what, c, "stats.cv", st.cv, 0, 1e6);
        ++timed;
    }
    bool failed_validation = false;
    for (const auto& c : doc.results)
        failed_validation |= c.status == CaseStatus::validation_failed;
    // A run whose every kernel failed validation is still a result (check fails it, exit 1).
    if (timed == 0 && !failed_validation)
        throw UsageError(what +
                         ": no timed case with samples (every case failed or was unavailable)");
}

ResultsDocument load_results_file(const std::string& path) {
    const std::string text = read_file(path);
    nlohmann::ordered_json j;
    try {
        j = parse_gbench_json(text);  // strict JSON, or Google Benchmark's with a bare NaN
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e999
        throw UsageError(path + ": not valid JSON (" + std::string(e.what()) + ")");
    }
    ResultsDocument doc;
    try {
        if (j.is_object() && j.contains("schema")) {
            doc = results_from_json_string(text);
        } else if (is_gbench_json(j)) {
            doc = gbench_to_results(j);
        } else {
            throw UsageError(
                "neither flopmeter results JSON (\"schema\": \"flopmeter.results\") nor Google "
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
