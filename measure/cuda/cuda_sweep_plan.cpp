// plan_cuda_sweep: which shapes a GPU calibration measures. No CUDA needed (tested everywhere).
#include <set>

#include "core/error.hpp"
#include "core/shape_presets.hpp"
#include "measure/cuda/cuda_sweep.hpp"

namespace flopmeter {

namespace {

struct Mnk {
    std::int64_t m, n, k;
};

std::string gemm_name(const std::string& backend, const GpuGemmProblem& p) {
    return "cuda/gemm/" + backend + "/" + std::string(gemm_mode_name(p.mode)) + "/" +
           std::string(layout_name(p.layout)) + "/" + std::to_string(p.m) + "x" +
           std::to_string(p.n) + "x" + std::to_string(p.k);
}

std::string attention_name(const std::string& backend, const GpuAttentionProblem& p) {
    return "cuda/attention/" + backend + "/" + std::string(gpu_storage_name(p.dtype)) + "/" +
           (p.backward ? "bwd" : "fwd") + "/b" + std::to_string(p.batch) + "_h" +
           std::to_string(p.heads) + "_kv" + std::to_string(p.kv_heads) + "_sq" +
           std::to_string(p.seq_q) + "_sk" + std::to_string(p.seq_k) + "_d" +
           std::to_string(p.head_dim) + (p.causal ? "_causal" : "");
}

// Projections and MLPs (N x K: fused QKV, attention output, MLP gate+up, MLP down) of Llama 2 7B,
// and in the full sweep also 70B: the N, K of bench cuda-gemm's llm and llm-70b presets.
std::vector<std::pair<std::int64_t, std::int64_t>> llm_nk(bool full) {
    std::vector<std::pair<std::int64_t, std::int64_t>> v;
    for (const char* name : {"llm", "llm-70b"}) {
        if (!full && std::string(name) == "llm-70b") break;
        for (const auto& s : gemm_preset("cuda-gemm", name).shapes) v.emplace_back(s.n, s.k);
    }
    return v;
}

}  // namespace

std::vector<CudaSweepCase> plan_cuda_sweep(const CudaSweepOptions& o) {
    if (o.mode != "smoke" && o.mode != "quick" && o.mode != "full")
        throw UsageError("unknown sweep mode '" + o.mode + "' (valid: smoke, quick, full)");
    const bool smoke = o.mode == "smoke", full = o.mode == "full";
    std::vector<GemmMode> modes = o.modes;
    if (modes.empty())
        modes = smoke ? std::vector<GemmMode>{GemmMode::bf16, GemmMode::fp32}
                      : std::vector<GemmMode>{GemmMode::bf16, GemmMode::fp16, GemmMode::tf32,
                                              GemmMode::fp32, GemmMode::fp8};

    std::vector<CudaSweepCase> out;
    std::set<std::string> seen;
    int counter = 0;
    auto add = [&](CudaSweepCase c) {
        if (!seen.insert(c.name).second) return;
        // Every fifth case is held out to evaluate the fitted rate model (never fitted on).
        c.held_out = !smoke && (++counter % 5 == 0);
        out.push_back(std::move(c));
    };

    // GEMM: squares, then LLM projections at M = tokens per step, in the three layouts of a
    // training step (forward nn, data gradient nt, weight gradient tn). fp8 runs nt only.
    std::vector<Mnk> shapes;
    if (smoke) {
        shapes = {{256, 256, 256}, {512, 384, 256}};
    } else {
        for (std::int64_t s : full ? std::vector<std::int64_t>{512, 1024, 2048, 4096, 8192, 16384}
                                   : std::vector<std::int64_t>{1024, 2048, 4096, 8192})
            shapes.push_back({s, s, s});
        for (std::int64_t m :
             full ? std::vector<std::int64_t>{2048, 8192, 16384} : std::vector<std::int64_t>{8192})
            for (const auto& [n, k] : llm_nk(full)) shapes.push_back({m, n, k});
    }
    for (GemmMode mode : modes)
        for (const auto& b : o.gemm_backends)
            for (const auto& s : shapes)
                for (Layout l : {Layout::nn, Layout::nt, Layout::tn}) {
                    if (mode == GemmMode::fp8 && l != Layout::nt) continue;
                    // Quick: layouts beyond nn only for the primary mode (bf16) and fp8.
                    if (!full && l != Layout::nn && mode != GemmMode::bf16 && mode != GemmMode::fp8)
                        continue;
                    if (!full && (mode == GemmMode::fp32 || mode == GemmMode::tf32) &&
                        s.m * s.n * s.k > 8192ll * 8192 * 8192)
                        continue;  // minutes per case on the CUDA cores; the squares cover them
                    CudaSweepCase c;
                    c.op = "gemm";
                    c.backend = b;
                    c.gemm = GpuGemmProblem{s.m, s.n, s.k, l, mode, 1.0, 0.0};
                    c.name = gemm_name(b, c.gemm);
                    add(std::move(c));
                }

    // Attention: bf16, head_dim 128, 16k tokens per batch at several sequence lengths, MHA and
    // GQA (8 kv heads), causal and not, forward and backward; then decode (one query, long
    // caches, GQA).
    struct Att {
        std::int64_t b, h, kv, sq, sk;
    };
    std::vector<Att> prefill, decode;
    if (smoke) {
        prefill = {{1, 4, 2, 128, 128}};
        decode = {{2, 8, 2, 1, 512}};
    } else {
        prefill = {{16, 32, 32, 1024, 1024},
                   {4, 32, 32, 4096, 4096},
                   {4, 32, 8, 4096, 4096},
                   {2, 32, 8, 8192, 8192}};
        if (full) prefill.push_back({1, 32, 8, 16384, 16384});
        decode = {{8, 32, 8, 1, 2048}, {8, 32, 8, 1, 8192}, {8, 32, 8, 1, 32768}};
        if (full) decode.push_back({64, 32, 8, 1, 4096});
    }
    for (const auto& b : o.attention_backends) {
        for (const auto& a : prefill)
            for (bool causal : {false, true})
                for (bool bwd : {false, true}) {
                    if (bwd && b == "unfused") continue;  // the baseline is forward only
                    CudaSweepCase c;
                    c.op = "attention";
                    c.backend = b;
                    c.attention = GpuAttentionProblem{
                        a.b, a.h, a.kv, a.sq, a.sk, 128, causal, bwd, GpuStorage::bf16};
                    c.name = attention_name(b, c.attention);
                    add(std::move(c));
                }
        for (const auto& a : decode) {
            CudaSweepCase c;
            c.op = "attention";
            c.backend = b;
            c.attention = GpuAttentionProblem{
                a.b, a.h, a.kv, a.sq, a.sk, 128, false, false, GpuStorage::bf16};
            c.name = attention_name(b, c.attention);
            add(std::move(c));
        }
    }
    return out;
}

}  // namespace flopmeter
