#include "calibrate/sweep.hpp"

#include <set>

#include "calibrate/attention_hook.hpp"
#include "calibrate/quant_sweep.hpp"
#include "core/error.hpp"
#include "core/isa.hpp"
#include "core/shape_presets.hpp"
#include "measure/memop_case.hpp"

namespace flopmeter {

namespace {

struct Shape {
    std::int64_t m, n, k;
};

// The (N, K) pairs an LLM training step multiplies token batches by: the projections and MLPs
// of `bench gemm --preset llm` (GPT-2 small and Llama 2 7B, core/shape_presets.hpp), so the
// calibration fits the shapes the bench preset names.
std::vector<std::pair<std::int64_t, std::int64_t>> llm_nk() {
    std::vector<std::pair<std::int64_t, std::int64_t>> v;
    for (const auto& s : gemm_preset("gemm", "llm").shapes) v.emplace_back(s.n, s.k);
    return v;
}

void add_gemm(std::vector<SweepCase>& v, std::set<std::string>& seen, const std::string& backend,
              DType d, Layout l, Shape s, int threads, bool held_out) {
    SweepCase c;
    c.op = "gemm";
    c.held_out = held_out;
    c.gemm = GemmCaseSpec{backend, GemmProblem{s.m, s.n, s.k, l, d, 1.0, 0.0}, threads};
    c.name = gemm_case_name(c.gemm);
    if (seen.insert(c.name).second) v.push_back(c);
}

void add_memop(std::vector<SweepCase>& v, MemOp op, double bytes, int threads, bool held_out) {
    SweepCase c;
    c.op = "memory";
    c.held_out = held_out;
    const std::int64_t cols = op == MemOp::rmsnorm || op == MemOp::softmax ? 4096 : 1024;
    const std::int64_t rows =
        std::max<std::int64_t>(1, std::int64_t(bytes / (memop_bytes({op, 1, cols}))));
    c.memop = MemOpShape{op, rows, cols};
    c.name = memop_case_name(c.memop, threads);
    v.push_back(c);
}

}  // namespace

bool cpu_has_bf16_dot() {
    return isa_active() >= Isa::avx512_bf16;
}

std::vector<SweepCase> plan_sweep(const SweepOptions& o) {
    if (o.mode != "quick" && o.mode != "full" && o.mode != "smoke")
        throw UsageError("unknown calibration mode '" + o.mode + "' (valid: quick, full, smoke)");
    const bool full = o.mode == "full", smoke = o.mode == "smoke";
    std::vector<DType> dtypes = o.dtypes;
    if (dtypes.empty())
        dtypes = full ? std::vector<DType>{DType::fp32, DType::bf16, DType::fp64}
                      : std::vector<DType>{DType::fp32};
    std::vector<SweepCase> v;
    std::set<std::string> seen;
    const int t = o.threads;

    for (const auto& b : o.backends) {
        for (DType d : dtypes) {
            const GemmBackend& be = find_gemm_backend(b);
            if (!be.supports(d) || be.unavailable(d)) continue;
            // Fitted grid, layout nn: squares, token counts x LLM (N, K), decode-like skinny M.
            std::vector<Shape> grid;
            if (smoke) {
                grid = {
                    {64, 64, 64}, {128, 128, 128}, {256, 256, 256}, {128, 512, 256}, {8, 256, 256}};
            } else {
                for (std::int64_t s : {64, 128, 256, 512, 1024, 2048}) grid.push_back({s, s, s});
                if (full) grid.push_back({4096, 4096, 4096});
                for (std::int64_t m : full ? std::vector<std::int64_t>{128, 512, 2048}
                                           : std::vector<std::int64_t>{128, 512})
                    for (auto [n, k] : llm_nk()) {
                        if (!full && m * n * k > std::int64_t(512) * 4096 * 4096) continue;
                        grid.push_back({m, n, k});
                    }
                for (std::int64_t m : {1, 4, 16, 64})
                    for (auto [n, k] : std::vector<std::pair<std::int64_t, std::int64_t>>{
                             {768, 768}, {4096, 4096}, {768, 3072}})
                        grid.push_back({m, n, k});
            }
            for (const auto& s : grid) add_gemm(v, seen, b, d, Layout::nn, s, t, false);
            // The data- and weight-gradient layouts: a smaller grid each.
            if (!smoke)
                for (Layout l : {Layout::nt, Layout::tn})
                    for (Shape s : std::vector<Shape>{{128, 128, 128},
                                                      {512, 512, 512},
                                                      {1024, 1024, 1024},
                                                      {2048, 2048, 2048},
                                                      {512, 768, 3072},
                                                      {512, 3072, 768},
                                                      {512, 4096, 4096},
                                                      {16, 768, 768},
                                                      {64, 4096, 4096},
                                                      {128, 11008, 4096}}) {
                        // Quick: the nt and tn grids stop at 2^31 FLOP-ish shapes; the largest
                        // ones cost seconds each to set up and validate and nn covers that size.
                        if (!full && double(s.m) * double(s.n) * double(s.k) > double(1ll << 31))
                            continue;
                        add_gemm(v, seen, b, d, l, s, t, false);
                    }
            // Held out: shapes between the grid points, never fitted on.
            std::vector<std::pair<Layout, Shape>> held;
            if (smoke) {
                held = {{Layout::nn, {96, 96, 96}}, {Layout::nn, {192, 320, 160}}};
            } else {
                held = {{Layout::nn, {384, 384, 384}},    {Layout::nn, {768, 768, 768}},
                        {Layout::nn, {1536, 1536, 1536}}, {Layout::nn, {256, 2304, 768}},
                        {Layout::nn, {1024, 3072, 768}},  {Layout::nn, {256, 768, 3072}},
                        {Layout::nn, {8, 4096, 4096}},    {Layout::nn, {32, 768, 768}},
                        {Layout::nn, {256, 4096, 4096}},  {Layout::nt, {768, 768, 768}},
                        {Layout::nt, {256, 3072, 768}},   {Layout::nt, {32, 4096, 4096}},
                        {Layout::tn, {768, 768, 768}},    {Layout::tn, {256, 768, 3072}},
                        {Layout::tn, {1536, 1536, 1536}}};
                if (full) held.push_back({Layout::nn, {1024, 11008, 4096}});
            }
            for (const auto& [l, s] : held) add_gemm(v, seen, b, d, l, s, t, true);
        }
    }

    // Quick mode on a CPU with a bf16 dot product: bf16 GEMM measured too (a smaller grid, the
    // layouts a training step multiplies in), since the estimate runs in bf16 and the own
    // kernel's bf16 rate is not the fp32 rate scaled by the ceilings' ratio.
    if (o.mode == "quick" && o.dtypes.empty() && cpu_has_bf16_dot())
        for (const auto& b : o.backends) {
            const GemmBackend& be = find_gemm_backend(b);
            if (!be.supports(DType::bf16) || be.unavailable(DType::bf16)) continue;
            for (Shape s : std::vector<Shape>{{128, 128, 128},
                                              {512, 512, 512},
                                              {1024, 1024, 1024},
                                              {2048, 2048, 2048},
                                              {512, 768, 768},
                                              {512, 2304, 768},
                                              {512, 3072, 768},
                                              {512, 768, 3072},
                                              {128, 4096, 4096},
                                              {128, 11008, 4096},
                                              {1, 4096, 4096},
                                              {16, 768, 768},
                                              {64, 4096, 4096}})
                add_gemm(v, seen, b, DType::bf16, Layout::nn, s, t, false);
            for (Layout l : {Layout::nt, Layout::tn})
                for (Shape s : std::vector<Shape>{{128, 128, 128},
                                                  {512, 512, 512},
                                                  {1024, 1024, 1024},
                                                  {512, 768, 3072},
                                                  {512, 3072, 768},
                                                  {16, 768, 768}})
                    add_gemm(v, seen, b, DType::bf16, l, s, t, false);
            for (const auto& [l, s] :
                 std::vector<std::pair<Layout, Shape>>{{Layout::nn, {768, 768, 768}},
                                                       {Layout::nn, {256, 2304, 768}},
                                                       {Layout::nn, {1536, 1536, 1536}},
                                                       {Layout::nn, {32, 4096, 4096}},
                                                       {Layout::nt, {256, 3072, 768}},
                                                       {Layout::tn, {256, 768, 3072}}})
                add_gemm(v, seen, b, DType::bf16, l, s, t, true);
        }

    // Attention (forward and backward, causal or not, GQA, decode) when the kernels exist.
    for (auto& c : plan_attention_sweep(o.mode, t)) v.push_back(c);
    // Quantized decode matmuls (int4/int8 weights), measured cold.
    for (auto& c : plan_quant_sweep(o.mode, t)) v.push_back(c);

    // Memory-bound ops as bandwidth by size: from L2-resident to DRAM-sized.
    const std::vector<double> fit_sizes =
        smoke ? std::vector<double>{512 << 10, 4 << 20, 32 << 20}
              : std::vector<double>{256 << 10, 2 << 20, 16 << 20, 128 << 20};
    const std::vector<double> held_sizes =
        smoke ? std::vector<double>{2 << 20} : std::vector<double>{768 << 10, 48 << 20};
    for (MemOp op : {MemOp::residual_add, MemOp::rmsnorm, MemOp::softmax, MemOp::adamw}) {
        for (double b : fit_sizes) add_memop(v, op, b, t, false);
        for (double b : held_sizes) add_memop(v, op, b, t, true);
    }
    return v;
}

}  // namespace flopmeter
