// The GPU's empirical roofline: compute ceilings per dtype (FMA probes on the CUDA cores, and
// the tensor cores' rate taken from cuBLAS's best shape), and device-memory bandwidth (copy and
// triad kernels, STREAM counting: bytes read plus bytes written; and cudaMemcpy). The same
// role as measure/roofline/ for the CPU; `flopmeter roofline --device cuda` prints it and the
// calibration stores it in a GPU profile.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/cuda/gpu_provenance.hpp"

namespace flopmeter {

inline constexpr const char* kCudaRooflineSchema = "flopmeter.cuda_roofline";
inline constexpr int kCudaRooflineSchemaVersion = 1;

struct CudaCeiling {
    std::string dtype;  // "fp32", "fp64", "fp16", "bf16", "tf32", "fp8"
    std::string
        kind;  // "fma" (CUDA cores), "tensor_gemm" (best cuBLAS tensor-core GEMM), "simt_gemm"
    double flops_per_s = 0;
    std::string kernel;  // the probe or the GEMM that gave it
    std::string source;  // "best of 5 trials", "cuBLAS 8192x8192x8192 nt, median of N samples"
    double spread = 0;   // (best - worst) / best over trials, or the CI half-width for GEMMs
};

struct CudaBandwidth {
    std::string level = "HBM";
    std::string kernel;  // "copy", "triad", "memcpy"
    double bytes_per_s = 0;
    std::int64_t working_set = 0;  // bytes of all arrays
    double spread = 0;
};

struct CudaRoofline {
    GpuProvenance device;
    std::vector<CudaCeiling> ceilings;
    std::vector<CudaBandwidth> bandwidth;
};

struct CudaRooflineOptions {
    bool quick = false;  // fewer trials, smaller arrays, one GEMM shape per mode
    bool gemm = true;    // include the cuBLAS tensor-core ceilings
};

// Requires a device; `progress` gets one line per step.
CudaRoofline measure_cuda_roofline(const CudaRooflineOptions& o, std::ostream* progress = nullptr);

// Highest measured ceiling per dtype name ("bf16" -> tensor GEMM rate, "fp64" -> FMA, ...), for
// MeasureOptions::ceilings (the % of ceiling of a GPU case).
std::map<std::string, double> cuda_ceiling_map(const CudaRoofline& r);

nlohmann::ordered_json cuda_roofline_to_json(const CudaRoofline& r);
CudaRoofline cuda_roofline_from_json(const nlohmann::ordered_json& j);  // throws UsageError

// Launchers (cuda_peak.cu, cuda_bandwidth.cu).
enum class FmaProbe { fp32, fp64, fp16x2, bf16x2 };
// Runs the probe with `blocks` x 256 threads, `iters` iterations; returns the FLOPs it does.
double launch_fma_probe(FmaProbe kind, int blocks, int iters, void* sink, void* stream);
void launch_copy_kernel(void* dst, const void* src, std::int64_t bytes, int blocks, void* stream);
void launch_triad_kernel(float* a, const float* b, const float* c, float s, std::int64_t n,
                         int blocks, void* stream);

}  // namespace flopmeter
