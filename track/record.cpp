#include "track/record.hpp"

#include "track/results_file.hpp"

namespace flopmeter {

RecordOutcome record_results(const ResultsDocument& doc, const std::string& db_path,
                             const RecordOptions& o) {
    check_results_have_samples(doc, "results");
    StoreOptions so;
    so.create = true;
    so.busy_timeout_ms = o.busy_timeout_ms;
    Store store = Store::open(db_path, so);
    if (o.git_sha.empty()) return store.add_run(doc, o.tag);
    ResultsDocument copy = doc;
    copy.provenance.git_sha = o.git_sha;
    return store.add_run(copy, o.tag);
}

}  // namespace flopmeter
