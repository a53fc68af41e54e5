#include "measure/provenance.hpp"

#include <hwloc.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "core/build_info.hpp"
#include "core/cpu_features.hpp"
#include "core/isa.hpp"
#include "kernels/gemm/vendor_info.hpp"

namespace flopmeter {

namespace {
std::string fnv1a_hex(const std::string& s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}
}  // namespace

const std::vector<std::string>& relevant_env_vars() {
    static const std::vector<std::string> v = {
        "OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OPENBLAS_VERBOSE", "GOTO_NUM_THREADS",
        "OMP_NUM_THREADS",   "OMP_PROC_BIND",        "OMP_PLACES",       "OMP_WAIT_POLICY",
        "GOMP_SPINCOUNT",    "KMP_AFFINITY",         "MKL_NUM_THREADS",  "MKL_ENABLE_INSTRUCTIONS",
        "DNNL_MAX_CPU_ISA",  "ONEDNN_MAX_CPU_ISA",   "DNNL_VERBOSE",     "ONEDNN_VERBOSE",
        "FLOPMETER_ISA",     "CUDA_VISIBLE_DEVICES", "LD_PRELOAD"};
    return v;
}

std::vector<std::pair<std::string, std::string>> Provenance::fingerprint_fields() const {
    return {{"cpu_vendor", cpu_vendor},
            {"cpu_model", cpu_model},
            {"cpu_family_model_stepping", std::to_string(cpu_family) + "/" +
                                              std::to_string(cpu_model_id) + "/" +
                                              std::to_string(cpu_stepping)},
            {"isa_flags", isa_flags},
            {"topology", topology_summary},
            {"memory_gib", std::to_string((memory_bytes + (1ll << 29)) >> 30)}};
}

std::string compute_fingerprint(const Provenance& p) {
    std::string s;
    for (const auto& [k, v] : p.fingerprint_fields()) s += k + "=" + v + ";";
    return fnv1a_hex(s);
}

Provenance collect_provenance() {
    Provenance p;
    p.tool_version = "0.1.0";
    p.git_sha = build_git_sha();
    p.build_type = build_type();
    p.compiler = build_compiler();
    p.compiler_flags = build_flags();
    p.sanitized = build_sanitized();

    const CpuFeatures& f = cpu_features();
    const Topology& t = topology();
    p.cpu_vendor = f.vendor;
    p.cpu_model = t.cpu_model.empty() ? f.brand : t.cpu_model;
    p.cpu_family = f.family;
    p.cpu_model_id = f.model;
    p.cpu_stepping = f.stepping;
    p.isa_flags = f.flags_string();
    p.isa_supported = std::string(isa_name(isa_supported()));
    try {
        p.isa_active = std::string(isa_name(isa_active()));
    } catch (const std::exception& e) {
        p.isa_active = std::string("invalid FLOPMETER_ISA: ") + e.what();
    }
    p.packages = t.packages;
    p.cores = t.cores;
    p.pus = t.pus;
    p.numa_nodes = t.numa_nodes;
    p.memory_bytes = t.memory_bytes;
    p.caches = t.caches;
    p.topology_summary = t.summary;
    p.topology_digest = t.digest;

    struct utsname u {};
    if (uname(&u) == 0) p.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) p.hostname = host;

    const unsigned hv = hwloc_get_api_version();
    p.hwloc_version = std::to_string(hv >> 16) + "." + std::to_string((hv >> 8) & 0xff) + "." +
                      std::to_string(hv & 0xff);
    p.openblas_config = openblas_config();
    p.openblas_corename = openblas_corename();
    p.onednn_version = onednn_version();

    for (const auto& name : relevant_env_vars())
        if (const char* v = std::getenv(name.c_str())) p.env.emplace_back(name, v);

    std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    p.date_utc = date;
    p.fingerprint = compute_fingerprint(p);
    return p;
}

std::vector<std::string> environment_warnings() {
    std::vector<std::string> w;
    for (const char* v : {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"})
        if (const char* s = std::getenv(v))
            w.push_back(std::string(v) + "=" + s +
                        " is set: vendor libraries may use a thread count other than --threads");
    for (const char* v : {"DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS"})
        if (const char* s = std::getenv(v))
            w.push_back(std::string(v) + "=" + s + " caps the ISA a vendor library uses");
    if (const char* s = std::getenv("FLOPMETER_ISA"))
        w.push_back(std::string("FLOPMETER_ISA=") + s + " caps the own kernels' ISA");
    return w;
}

}  // namespace flopmeter
