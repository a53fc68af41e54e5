#include "track/run_ref.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "track/results_file.hpp"

namespace flopmeter {

std::string run_label(const RunInfo& r) {
    std::string s = "run " + std::to_string(r.id) + " (";
    s += r.git_sha.empty()
             ? "no git SHA"
             : "git " + r.git_sha.substr(0, std::min<std::size_t>(r.git_sha.size(), 12));
    if (r.git_sha.size() > 12 && r.git_sha.find("-dirty") != std::string::npos) s += "-dirty";
    if (!r.tag.empty()) s += ", tag " + r.tag;
    s += ", " + r.date_utc;
    if (!r.hostname.empty()) s += ", " + r.hostname;
    return s + ")";
}

Store& RunResolver::store() {
    if (!store_) store_ = std::make_unique<Store>(Store::open(path_, options_));
    return *store_;
}

ResolvedRun RunResolver::resolve(const std::string& ref) {
    if (ref.empty()) throw UsageError("empty run reference");
    struct stat st {};
    if (::stat(ref.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        ResolvedRun r;
        r.label = "file " + ref;
        r.doc = load_results_file(ref);
        return r;
    }
    Store& s = store();
    std::optional<RunInfo> found;
    std::string note;
    if (ref == "latest") {
        found = s.latest_run();
        if (!found)
            throw UsageError("no run recorded in " + path_ + " yet (flopmeter record RESULT.json)");
    } else if (std::all_of(ref.begin(), ref.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
               ref.size() < 16) {
        found = s.run(std::stoll(ref));
        if (!found) {
            const auto all = s.runs();
            throw UsageError("no run " + ref + " in " + path_ +
                             (all.empty() ? " (it holds no runs)"
                                          : " (list them with 'flopmeter history --runs')"));
        }
    } else {
        auto matches = s.runs_matching(ref);
        if (matches.empty())
            throw UsageError(
                "'" + ref +
                "' is neither a result file, a run id, nor a git SHA or tag recorded in " + path_ +
                " (list runs with 'flopmeter history --runs')");
        std::set<std::string> shas;
        bool tag_match = false;
        for (const auto& m : matches) {
            shas.insert(m.git_sha);
            tag_match = tag_match || m.tag == ref;
        }
        if (tag_match)  // a tag names its runs exactly; ignore SHAs that merely start with it
            matches.erase(std::remove_if(matches.begin(), matches.end(),
                                         [&](const RunInfo& m) { return m.tag != ref; }),
                          matches.end());
        if (!tag_match && shas.size() > 1) {
            std::string list;
            for (const auto& x : shas) list += (list.empty() ? "" : ", ") + x;
            throw UsageError("git SHA prefix '" + ref + "' is ambiguous: " + list +
                             "; give more characters");
        }
        found = matches.back();
        if (matches.size() > 1)
            note = ", latest of " + std::to_string(matches.size()) + " runs matching '" + ref + "'";
    }
    ResolvedRun r;
    r.info = found;
    r.doc = s.load_run(found->id).doc;
    r.label = run_label(*found) + note;
    return r;
}

}  // namespace flopmeter
