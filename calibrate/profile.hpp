// A device profile: versioned JSON (schema: docs/schema/profile.schema.json, checked whenever a
// profile is read) holding provenance, ceilings, bandwidths, every measurement with its
// statistics, the fitted rate model, and the held-out evaluation. Datasheet profiles have the
// same schema with kind "datasheet": cited figures and a rate model of peak x efficiency.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibrate/alpha_beta.hpp"
#include "calibrate/predictor.hpp"
#include "calibrate/rate_model.hpp"
#include "measure/result.hpp"

namespace flopmeter {

inline constexpr const char* kProfileSchema = "flopmeter.profile";
inline constexpr int kProfileSchemaVersion = 1;

struct Ceiling {
    std::string dtype;       // "fp32", "fp64", "bf16", "fp16", "fp8", "int8", "tf32"
    double flops_per_s = 0;  // measured: best probe at `threads`; datasheet: dense peak
    int threads = 0;         // 0 for datasheet figures
    std::string kernel;      // probe kernel, or "" for datasheet
    std::string source;      // citation for datasheet figures
};

struct BandwidthFigure {
    std::string level;       // "L1", "L2", "L3", "DRAM", "HBM"
    std::string kernel;      // "read", "write", "copy", "triad"
    double bytes_per_s = 0;  // STREAM counting
    double write_allocate_bytes_per_s = 0;
    std::int64_t working_set = 0;
    std::string source;
};

// Latency-bandwidth fit of one collective at one group size and link tier (issue: comm).
struct CommFit {
    std::string collective;  // "all_reduce", ...
    int ranks = 2;
    std::string tier;    // "intra_node", "inter_node"
    double alpha_s = 0;  // latency
    double beta_s_per_byte = 0;
    double r2 = 0;
    std::string source;  // "measured (MPI)", "measured (NCCL)", "datasheet"
    // Message sizes the fit was measured over (nccl-tests' size; 0 = unknown), so a prediction
    // outside them can say it extrapolates.
    std::int64_t min_bytes = 0, max_bytes = 0;
    // Piecewise fit (calibrate/alpha_beta.hpp), by size; alpha_s/beta_s_per_byte above repeat
    // the last one. Empty for a single line (datasheet figures, older profiles).
    std::vector<AlphaBetaSegment> segments;
};

struct HeldOutPoint {
    std::string name;  // case name
    std::string op;    // "gemm", "attention", "memory"
    double measured_s = 0, predicted_s = 0;
    double rel_error() const;  // (predicted - measured) / measured
};

struct HeldOutSummary {
    std::string op;
    int points = 0;
    double median_abs_error = 0, p90_abs_error = 0;
};

struct DeviceProfile {
    int schema_version = kProfileSchemaVersion;
    std::string name;    // "h100-sxm", or "cpu-<fingerprint>" for a calibrated CPU
    std::string kind;    // "measured" or "datasheet"
    std::string device;  // "cpu", "cuda", "rocm", "tpu"
    std::string description;
    bool complete = true;               // false while a calibration is partial (interrupted)
    std::string mode;                   // calibration sweep: "quick" or "full" ("" for datasheet)
    std::vector<std::string> backends;  // GEMM backends measured, preferred first
    std::string created_utc;
    std::string fingerprint;            // of the machine measured ("" for datasheet)
    nlohmann::ordered_json provenance;  // flopmeter provenance (measured) or null

    DeviceFacts facts;
    std::map<std::string, std::string> sources;  // fact name -> citation (datasheet facts)
    std::vector<Ceiling> ceilings;
    std::vector<BandwidthFigure> bandwidth;
    std::vector<CommFit> comm;
    std::vector<CaseResult> measurements;
    RateModel rate_model;
    std::vector<HeldOutPoint> held_out;
    std::vector<HeldOutSummary> held_out_summary;
    std::vector<std::string> planned;  // case names of the sweep (for --resume)
    std::vector<std::string> warnings;
    // Written by `calibrate --comm` (comm/): ranks, nodes with their own profiles, the node
    // check and per-size communication figures. Null for single-machine profiles; kept as
    // JSON because only comm/ and readers of the file interpret it.
    nlohmann::ordered_json cluster;

    double ceiling(const std::string& dtype) const;  // 0 when absent
    double dram_bandwidth() const;                   // DRAM/HBM read (or triad), 0 when absent
};

nlohmann::ordered_json profile_to_json(const DeviceProfile& p);
// Validates against the embedded schema first; throws UsageError naming the problem for
// corrupt, truncated, other-schema or newer-version files.
DeviceProfile profile_from_json(const nlohmann::ordered_json& j);
DeviceProfile read_profile_file(const std::string& path);
void write_profile_file(const std::string& path, const DeviceProfile& p);  // atomic

// Threads a measured profile's cases ran on (its per-shape measurements, else its widest
// ceiling); 0 when it has neither (a datasheet profile, a calibration stopped at once).
int profile_thread_count(const DeviceProfile& p);

const nlohmann::ordered_json& profile_schema();  // docs/schema/profile.schema.json, embedded

}  // namespace flopmeter
