// What a calibration measures: the ordered list of cases of a sweep (quick, full, or the
// seconds-long smoke sweep used by tests), each either fitted or held out for evaluation.
#pragma once

#include <string>
#include <vector>

#include "kernels/memops/memops.hpp"
#include "measure/attention_case.hpp"
#include "measure/gemm_case.hpp"

namespace flopmeter {

struct SweepCase {
    std::string name;  // unique case name (also the key for --resume)
    std::string op;    // "gemm", "attention", "memory", "quant_gemm", "kv_decode"
    bool held_out = false;
    GemmCaseSpec gemm;  // op == "gemm"
    MemOpShape memop;   // op == "memory"
    std::vector<std::pair<std::string, std::int64_t>>
        attention;  // op == "attention": dims for the attention hook
    std::string attention_backend;
    DType attention_dtype = DType::fp32;
    bool attention_backward = false, attention_causal = false;
    // op == "quant_gemm" (calibrate/quant_sweep.hpp): format name, activation type, M x N x K.
    std::string quant_format, quant_act;
    std::int64_t quant_m = 0, quant_n = 0, quant_k = 0;
    // op == "kv_decode" (calibrate/quant_sweep.hpp): decode attention over a KV cache, measured
    // cold; its results carry op "kv_decode" and stay out of the attention rate fit.
    AttentionCaseSpec kv_decode;
};

struct SweepOptions {
    std::string mode = "quick";  // "quick", "full", "smoke"
    std::vector<std::string>
        backends;  // GEMM backends, e.g. {"own"} (quick) or {"own","openblas","onednn"}
    std::vector<DType> dtypes;  // empty: mode default
    int threads = 1;
};

std::vector<SweepCase> plan_sweep(const SweepOptions& o);

// The CPU runs bf16 products natively (avx512_bf16): quick calibrations then measure bf16
// GEMM and attention too, the dtype the cost model's estimates use.
bool cpu_has_bf16_dot();

}  // namespace flopmeter
