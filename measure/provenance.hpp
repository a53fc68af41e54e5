// Where and how a result was measured: recorded in every result file. The fingerprint hashes
// stable hardware fields only (CPU identity, ISA, topology, memory size rounded to GiB), never
// clocks, load or bogomips, so two runs on the same machine share it.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/topology.hpp"

namespace flopmeter {

struct Provenance {
    std::string tool = "flopmeter";
    std::string tool_version, git_sha, build_type, compiler, compiler_flags;
    bool sanitized = false;

    std::string cpu_vendor, cpu_model;
    int cpu_family = 0, cpu_model_id = 0, cpu_stepping = 0;
    std::string isa_flags, isa_supported, isa_active;
    int packages = 0, cores = 0, pus = 0, numa_nodes = 0;
    std::int64_t memory_bytes = 0;
    std::vector<CacheLevel> caches;
    std::string topology_summary, topology_digest;

    std::string os, hostname;
    std::string hwloc_version, openblas_config, openblas_corename, onednn_version;
    std::vector<std::pair<std::string, std::string>> env;  // relevant variables that are set

    std::string date_utc;     // ISO 8601
    std::string fingerprint;  // hex, stable hardware fields only

    // The fields the fingerprint is built from, "name=value" each, for explaining a mismatch.
    std::vector<std::pair<std::string, std::string>> fingerprint_fields() const;
};

Provenance collect_provenance();
std::string compute_fingerprint(const Provenance& p);

// Environment variables that change what kernels or libraries run; those set are recorded.
const std::vector<std::string>& relevant_env_vars();

// Warnings about the environment (overrides that change which kernels libraries run).
std::vector<std::string> environment_warnings();

}  // namespace flopmeter
