// `--record`, `--db`, `--tag` on the bench commands: store a run's validated results in the
// results store (track/), one implementation for every command that offers them.
#pragma once

#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

#include "measure/result_json.hpp"

namespace flopmeter {

struct RecordFlags {
    bool record = false;
    std::string db, tag;
    bool asked() const { return record || !db.empty(); }
};

void add_record_flags(CLI::App* sub, RecordFlags& f);

// Records the results that passed (failed and skipped cases are not a rate) when asked.
void record_if_asked(const RecordFlags& f, const ResultsDocument& doc, std::ostream& out);

}  // namespace flopmeter
