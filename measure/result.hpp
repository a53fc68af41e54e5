// The plain record every measurement produces, whatever the op or backend. Printers (table,
// JSON, Markdown, CSV) read it; none of them knows how it was measured.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "measure/sampler.hpp"

namespace flopmeter {

enum class CaseStatus { ok, validation_failed, unavailable, error };
std::string case_status_name(CaseStatus s);

// A bandwidth-bound case against a reference bandwidth measured interleaved with it: one reading
// right before and one right after each repetition of the case (bench quant: the DRAM read at
// the case's thread count), so each repetition has its own ratio and the machine's swings hit
// both sides of it. Empty unless the command measured one.
struct BandwidthPairing {
    struct Round {
        double case_bytes_per_s = 0;  // bytes over this repetition's median time
        double reference_before = 0, reference_after = 0;  // bytes/s
        // Optional second figure (0: not measured): a plain read of the case's own bytes timed
        // like one call of the case (cold: after the same scrub), before and after likewise.
        double short_read_before = 0, short_read_after = 0;
        double reference() const { return 0.5 * (reference_before + reference_after); }
        double ratio() const { return reference() > 0 ? case_bytes_per_s / reference() : 0.0; }
        double short_read() const { return 0.5 * (short_read_before + short_read_after); }
        double short_read_ratio() const {
            return short_read() > 0 ? case_bytes_per_s / short_read() : 0.0;
        }
    };
    std::string reference;  // what the reference is, e.g. "dram_read"
    std::vector<Round> rounds;
    bool empty() const { return rounds.empty(); }
    // Over the rounds' ratios; 0 when empty.
    double ratio_median() const;
    double ratio_min() const;
    double ratio_max() const;
    // Median of the rounds' short_read_ratio(); 0 when no round has a short read.
    double short_read_ratio_median() const;
};

struct CaseResult {
    std::string op;       // "gemm", "attention"
    std::string name;     // unique case name, e.g. "gemm/own/fp32/nn/2048x2048x2048"
    std::string backend;  // "own", "openblas", ...
    std::string dtype;
    std::vector<std::pair<std::string, std::int64_t>> dims;   // m, n, k / b, h, sq, ...
    std::vector<std::pair<std::string, std::string>> params;  // layout, alpha, beta, causal, ...
    int threads = 1;
    std::string binding;     // how threads were placed
    std::string kernel_set;  // what actually ran
    std::string cache_mode = "warm";

    // From core/flops.hpp only.
    double model_flops = 0, executed_flops = 0, bytes = 0;

    // Validation against the oracle, done before timing.
    bool validated = false;
    double validation_max_error =
        0;  // max |error| / tolerance bound over checked entries (< 1 passes)
    std::int64_t validation_checked = 0;
    std::string validation_detail;
    double validation_s =
        0;  // wall seconds the oracle check took (0: validated earlier); not written out

    Measurement measurement;     // empty unless status == ok
    double workspace_bytes = 0;  // extra memory the kernel holds beyond its operands
    double operand_bytes = 0;    // memory of the operands (one set)

    // Effective clock from the add-chain probe before and after the case (and between samples
    // of long cases); 0 when probing was off. `contended` when any reading fell more than 10%
    // below the highest seen in this process.
    double clock_ghz_before = 0, clock_ghz_after = 0, clock_ghz_min = 0, clock_ghz_reference = 0;
    bool contended = false;

    // FLOPs counted by hardware counters over one call; < 0 when counters are unavailable.
    double counted_flops = -1;

    // Rate as a fraction of the measured ceiling for this dtype (same threads), and of the
    // datasheet peak where one is known; < 0 when unknown. Separate fields, never mixed.
    double ceiling_flops_per_s = -1, pct_of_ceiling = -1;
    double datasheet_flops_per_s = -1, pct_of_datasheet = -1;

    BandwidthPairing bandwidth_pairing;  // see above; empty unless measured

    CaseStatus status = CaseStatus::ok;
    std::string error;                  // why, when status != ok
    std::vector<std::string> warnings;  // overrides, unconverged, ...

    // Rates over the median time; 0 unless status == ok.
    double seconds() const { return measurement.stats.median; }
    double model_flops_per_s() const;
    double executed_flops_per_s() const;
    double bytes_per_s() const;
};

}  // namespace flopmeter
