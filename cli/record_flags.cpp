#include "cli/record_flags.hpp"

#include "track/record.hpp"
#include "track/store.hpp"

namespace flopmeter {

void add_record_flags(CLI::App* sub, RecordFlags& f) {
    sub->add_flag("--record", f.record, "Record the results in the results store (see --db)");
    sub->add_option("--db", f.db,
                    "Results store for --record (default $FLOPMETER_DB or ./flopmeter.db)");
    sub->add_option("--tag", f.tag, "Tag for the recorded run (e.g. a version)");
}

void record_if_asked(const RecordFlags& f, const ResultsDocument& doc, std::ostream& out) {
    if (!f.asked()) return;
    RecordOptions ro;
    ro.tag = f.tag;
    const std::string db = f.db.empty() ? default_db_path() : f.db;
    ResultsDocument rec = doc;
    rec.results.clear();
    for (const auto& r : doc.results)
        if (r.status == CaseStatus::ok) rec.results.push_back(r);
    const RecordOutcome o = record_results(rec, db, ro);
    out << (o.added ? "Recorded as run " : "Already recorded as run ") << o.run_id << " in " << db
        << '\n';
}

}  // namespace flopmeter
