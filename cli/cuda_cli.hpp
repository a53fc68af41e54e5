// Pieces the GPU commands share (cmd_cuda_*.cpp, cmd_bench_cuda_*.cpp, and `roofline --device
// cuda`). Compiles in every build: without CUDA each GPU command says so and exits 2.
#pragma once

#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "measure/cuda/gpu_provenance.hpp"
#include "measure/result_json.hpp"

namespace flopmeter {

// Throws UnavailableError("flopmeter was built without CUDA ...").
[[noreturn]] void throw_built_without_cuda();

// flopmeter's results JSON with the GPU's provenance added as a top-level "gpu" object (readers
// of the results schema ignore it; GPU-aware readers take device, driver and library versions).
std::string gpu_results_json(const ResultsDocument& doc, const GpuProvenance& gpu);

// Exit code of a GPU benchmark run: 1 if a kernel failed validation, else 2 if a case failed on
// the device (launch failure, fault), else 0.
int gpu_exit_code(const std::vector<CaseResult>& results);

// `flopmeter roofline --device cuda`: FMA ceilings per dtype, tensor-core ceilings (best cuBLAS
// shape) and HBM bandwidth; JSON to `json_path` when given.
int run_roofline_cuda(bool quick, const std::string& json_path, Io io);

}  // namespace flopmeter
