#include "track/merge.hpp"

#include <climits>
#include <cstdlib>

#include "core/error.hpp"

namespace flopmeter {

namespace {
std::string real_path(const std::string& p) {
    char buf[PATH_MAX];
    return ::realpath(p.c_str(), buf) ? std::string(buf) : p;
}
}  // namespace

MergeOutcome merge_store(Store& target, const std::string& target_path,
                         const std::string& source_path, int busy_timeout_ms) {
    if (real_path(source_path) == real_path(target_path))
        throw UsageError("cannot merge " + source_path + " into itself");
    Store src = Store::open_snapshot(source_path, busy_timeout_ms);
    MergeOutcome out;
    for (const RunInfo& info : src.runs()) {
        const StoredRun run = src.load_run(info.id);
        const RecordOutcome r = target.add_run(run.doc, info.tag, info.key, info.recorded_utc);
        (r.added ? out.added : out.already_present)++;
    }
    return out;
}

}  // namespace flopmeter
