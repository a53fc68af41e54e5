#include <cstdio>
#include <set>
#include <sstream>

#include "measure/writers.hpp"

namespace flopmeter {

namespace {
std::string f(const char* fmt, double x) {
    char b[64];
    std::snprintf(b, sizeof b, fmt, x);
    return b;
}
std::string cell(std::string s) {
    for (auto& c : s)
        if (c == '|') c = '/';
    return s;
}
}  // namespace

std::string results_to_markdown(const ResultsDocument& doc) {
    const Provenance& p = doc.provenance;
    std::ostringstream o;
    o << "### flopmeter results\n\n";
    o << "- Machine: " << p.cpu_model << " (" << p.cores << " cores; " << p.topology_summary
      << "), fingerprint `" << p.fingerprint << "`\n";
    o << "- Build: flopmeter " << p.tool_version << " git `" << p.git_sha << "`, " << p.compiler
      << ", " << p.build_type << "\n";
    o << "- Libraries: OpenBLAS " << (p.openblas_corename.empty() ? "n/a" : p.openblas_corename)
      << ", oneDNN " << (p.onednn_version.empty() ? "n/a" : p.onednn_version) << "\n";
    o << "- Date: " << p.date_utc << "\n";
    o << "- Rates divide model FLOPs by the median time; CI95 is the half-width of the median's "
         "95% confidence "
         "interval.\n\n";
    o << "| case | kernel set | cache | median | CI95 | GFLOP/s (model) | GFLOP/s (executed) | "
         "GB/s | % of ceiling | n | flags |\n";
    o << "|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& r : doc.results) {
        o << "| " << cell(r.name) << " | " << cell(r.kernel_set) << " | " << r.cache_mode << " | ";
        if (r.status != CaseStatus::ok) {
            o << case_status_name(r.status) << " | | | | | | | " << cell(r.error) << " |\n";
            continue;
        }
        const double h = r.measurement.stats.ci_rel_halfwidth();
        std::string flags;
        if (!r.measurement.converged) flags += "UNCONVERGED ";
        if (r.contended) flags += "CONTENDED ";
        if (!r.validated) flags += "NOT-VALIDATED ";
        o << f("%.4g ms", r.seconds() * 1e3) << " | "
          << (h < 1e300 ? f("+-%.2f%%", 100 * h) : "n/a") << " | "
          << f("%.1f", r.model_flops_per_s() / 1e9) << " | "
          << f("%.1f", r.executed_flops_per_s() / 1e9) << " | " << f("%.2f", r.bytes_per_s() / 1e9)
          << " | " << (r.pct_of_ceiling >= 0 ? f("%.1f%%", 100 * r.pct_of_ceiling) : "-") << " | "
          << r.measurement.stats.n << " | " << flags << "|\n";
    }
    std::set<std::string> seen;
    std::string notes;
    for (const auto& w : doc.warnings)
        if (seen.insert(w).second) notes += "- WARNING: " + w + "\n";
    for (const auto& r : doc.results)
        for (const auto& w : r.warnings)
            if (seen.insert(r.name + w).second) notes += "- " + r.name + ": " + w + "\n";
    if (!notes.empty()) o << "\n" << notes;
    return o.str();
}

}  // namespace flopmeter
