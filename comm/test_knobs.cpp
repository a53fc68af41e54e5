#include "comm/test_knobs.hpp"

#include <cstdlib>
#include <sstream>

#include "comm/collective_spec.hpp"
#include "core/error.hpp"

namespace flopmeter::comm {

namespace {
std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, sep)) out.push_back(item);
    return out;
}
}  // namespace

Fault parse_fault(const std::string& spec, int rank) {
    Fault mine;
    for (const auto& item : split(spec, ',')) {
        if (item.empty()) continue;
        const auto colon = item.find(':');
        const std::string bad =
            "FLOPMETER_COMM_TEST_FAULT: '" + item + "' is not RANK:ACTION[@COLLECTIVE]";
        if (colon == std::string::npos) throw UsageError(bad);
        int r = -1;
        try {
            std::size_t used = 0;
            r = std::stoi(item.substr(0, colon), &used);
            if (used != colon) throw UsageError(bad);
        } catch (const std::logic_error&) {
            throw UsageError(bad);
        }
        std::string action = item.substr(colon + 1), where;
        if (const auto at = action.find('@'); at != std::string::npos) {
            where = action.substr(at + 1);
            action = action.substr(0, at);
        }
        Fault f;
        if (action == "identity")
            f.kind = FaultKind::identity;
        else if (action == "fail")
            f.kind = FaultKind::fail;
        else if (action == "corrupt")
            f.kind = FaultKind::corrupt;
        else if (action == "hang")
            f.kind = FaultKind::hang;
        else if (action == "stall")
            f.kind = FaultKind::stall;
        else if (action == "kill")
            f.kind = FaultKind::kill;
        else
            throw UsageError(bad + " (actions: identity, fail, corrupt, hang, stall, kill)");
        if (!where.empty()) {
            f.at = parse_collective(where);
            if (!f.at) throw UsageError(bad + ": unknown collective '" + where + "'");
        }
        if (r == rank) mine = f;
    }
    return mine;
}

Fault fault_from_env(int rank) {
    const char* s = std::getenv("FLOPMETER_COMM_TEST_FAULT");
    return s ? parse_fault(s, rank) : Fault{};
}

std::vector<std::string> test_hosts_from_env(int ranks) {
    const char* s = std::getenv("FLOPMETER_COMM_TEST_HOSTS");
    if (!s || !*s) return {};
    auto hosts = split(s, ',');
    if (int(hosts.size()) != ranks)
        throw UsageError("FLOPMETER_COMM_TEST_HOSTS names " + std::to_string(hosts.size()) +
                         " hosts for " + std::to_string(ranks) + " ranks (one per rank)");
    for (const auto& h : hosts)
        if (h.empty()) throw UsageError("FLOPMETER_COMM_TEST_HOSTS has an empty hostname");
    return hosts;
}

}  // namespace flopmeter::comm
