#include <cstdio>
#include <sstream>

#include "measure/writers.hpp"

namespace flopmeter {

namespace {

std::string quote(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string num(double x) {
    char b[40];
    std::snprintf(b, sizeof b, "%.9g", x);
    return b;
}

std::string joined(const std::vector<std::pair<std::string, std::int64_t>>& v) {
    std::string s;
    for (const auto& [k, x] : v) s += (s.empty() ? "" : " ") + k + "=" + std::to_string(x);
    return s;
}

std::string joined(const std::vector<std::pair<std::string, std::string>>& v) {
    std::string s;
    for (const auto& [k, x] : v) s += (s.empty() ? "" : " ") + k + "=" + x;
    return s;
}

}  // namespace

std::string results_to_csv(const ResultsDocument& doc) {
    std::ostringstream o;
    o << "name,op,backend,dtype,dims,params,threads,cache_mode,status,converged,contended,samples,"
         "median_s,ci_low_s,"
         "ci_high_s,min_s,p10_s,p90_s,mean_s,cv,model_flops,executed_flops,bytes,model_flops_per_s,"
         "executed_flops_per_s,bytes_per_s,pct_of_measured_ceiling,kernel_set,warnings\n";
    for (const auto& r : doc.results) {
        const Stats& s = r.measurement.stats;
        const bool ok = r.status == CaseStatus::ok;
        std::string warnings;
        for (const auto& w : r.warnings) warnings += (warnings.empty() ? "" : "; ") + w;
        if (!ok) warnings = r.error + (warnings.empty() ? "" : "; " + warnings);
        o << quote(r.name) << ',' << r.op << ',' << quote(r.backend) << ',' << r.dtype << ','
          << quote(joined(r.dims)) << ',' << quote(joined(r.params)) << ',' << r.threads << ','
          << r.cache_mode << ',' << case_status_name(r.status) << ','
          << (r.measurement.converged ? "true" : "false") << ',' << (r.contended ? "true" : "false")
          << ',' << s.n << ',' << (ok ? num(s.median) : "") << ',' << (ok ? num(s.ci_lo) : "")
          << ',' << (ok ? num(s.ci_hi) : "") << ',' << (ok ? num(s.min) : "") << ','
          << (ok ? num(s.p10) : "") << ',' << (ok ? num(s.p90) : "") << ','
          << (ok ? num(s.mean) : "") << ',' << (ok ? num(s.cv) : "") << ',' << num(r.model_flops)
          << ',' << num(r.executed_flops) << ',' << num(r.bytes) << ','
          << (ok ? num(r.model_flops_per_s()) : "") << ','
          << (ok ? num(r.executed_flops_per_s()) : "") << ',' << (ok ? num(r.bytes_per_s()) : "")
          << ',' << (r.pct_of_ceiling >= 0 ? num(r.pct_of_ceiling) : "") << ','
          << quote(r.kernel_set) << ',' << quote(warnings) << '\n';
    }
    return o.str();
}

}  // namespace flopmeter
