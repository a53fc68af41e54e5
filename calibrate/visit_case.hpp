// One visit of a planned case (calibrate/interleaved_sweep.hpp), and where its wall time went.
// A case kept in the CaseCache is built (operands allocated and initialised, plan made) and
// validated against its oracle on its first visit only; later visits time the same kernel on
// the same operands. The phase times say what a calibration spends outside its samples.
#pragma once

#include <map>
#include <string>

#include "calibrate/case_cache.hpp"
#include "calibrate/sweep.hpp"
#include "measure/measure_case.hpp"

namespace flopmeter {

// Wall seconds of visits by phase, summed over visits.
struct VisitPhases {
    double setup_s = 0;        // building the case: allocation, operand initialisation, plan
    double validate_s = 0;     // running the kernel once and checking it against the oracle
    double sampling_s = 0;     // warm-up and timed samples
    double other_s = 0;        // the rest of measure_case: clock probes, CPU share, summaries
    double bookkeeping_s = 0;  // pooling into the profile, partial profile writes
    int visits = 0, setups = 0, validations = 0;
    // Set-up and validation seconds per op ("gemm", "attention", ...): where they go.
    std::map<std::string, double> setup_by_op, validate_by_op;

    void add(const VisitPhases& o);
    double total_s() const { return setup_s + validate_s + sampling_s + other_s + bookkeeping_s; }
    // "setup 3.1 s (181 builds: gemm 1.2, ...), validation 2.0 s (181: gemm 0.9, ...),
    // warm-up+sampling 28.0 s, ..."
    std::string line() const;
};

// Measures one visit of `c`: through `cache` (when given) for GEMM, attention, memory-bound,
// quantized-matmul and KV-decode cases, else built for this visit alone. Quantized matmuls
// and KV decode are measured cold whatever `mo` says. Adds this visit's phases to `phases`
// (setup, validation, sampling, other). Never throws for a bad case: the result says error.
CaseResult measure_visit(const SweepCase& c, const MeasureOptions& mo, MeasureContext& ctx,
                         CaseCache* cache, VisitPhases& phases);

}  // namespace flopmeter
