// The GPU calibration sweep: the GEMM and attention cases a GPU profile is fitted from (and
// held-out cases to evaluate the fit), measured through the same cases as `bench cuda-gemm` and
// `bench cuda-attention`. `flopmeter calibrate --device cuda` calls run_cuda_sweep() and
// measure_cuda_roofline(); `flopmeter cuda-sweep` runs it on its own.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "kernels/cuda/attention/gpu_attention_problem.hpp"
#include "kernels/cuda/gemm/gpu_gemm_problem.hpp"
#include "measure/measure_case.hpp"

namespace flopmeter {

struct CudaSweepOptions {
    std::string mode = "quick";  // "smoke" (seconds), "quick", "full"
    std::vector<std::string> gemm_backends{
        "cublas"};                // GEMM backends side by side ("cublas", "own", ...)
    std::vector<GemmMode> modes;  // empty: the mode's default (bf16 first)
    std::vector<std::string> attention_backends{"flash"};
    double energy_s = 0.0;  // energy window per case (0: none)
};

struct CudaSweepCase {
    std::string name;  // the case name results will carry (unique)
    std::string op;    // "gemm" or "attention"
    std::string backend;
    bool held_out = false;  // measured for evaluating the fitted model, not for fitting
    GpuGemmProblem gemm;
    GpuAttentionProblem attention;
};

// The ordered case list (no device needed). Throws UsageError for an unknown mode.
std::vector<CudaSweepCase> plan_cuda_sweep(const CudaSweepOptions& o);

// Measures every planned case (requires a device). Cases that cannot run here come back with
// status unavailable; held-out cases carry the param "held_out" = "true". `progress` gets one
// line per case.
std::vector<CaseResult> run_cuda_sweep(const CudaSweepOptions& o, const MeasureOptions& mo,
                                       MeasureContext& ctx, std::ostream* progress = nullptr);

}  // namespace flopmeter
