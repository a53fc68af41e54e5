#include "calibrate/attention_hook.hpp"

#include "calibrate/sweep.hpp"
#include "core/error.hpp"
#include "kernels/attention/attention_backend.hpp"
#include "measure/attention_case.hpp"

namespace flopmeter {

namespace {

struct AttnShape {
    std::int64_t b, h, g, sq, sk, d;
};

SweepCase make_case(const AttnShape& s, DType dtype, bool backward, bool causal, bool held_out,
                    int threads) {
    SweepCase c;
    c.op = "attention";
    c.held_out = held_out;
    c.attention = {{"b", s.b},   {"h", s.h}, {"g", s.g}, {"sq", s.sq},
                   {"sk", s.sk}, {"d", s.d}, {"dv", s.d}};
    c.attention_backend = "own";
    c.attention_dtype = dtype;
    c.attention_backward = backward;
    c.attention_causal = causal;
    AttentionCaseSpec spec;
    spec.backend = c.attention_backend;
    spec.problem.shape = {s.b, s.h, s.g, s.sq, s.sk, s.d, s.d, causal};
    spec.problem.dtype = dtype;
    spec.pass = backward ? AttentionPass::bwd : AttentionPass::fwd;
    spec.threads = threads;
    c.name = attention_case_name(spec);
    return c;
}

std::int64_t dim_of(const SweepCase& c, const std::string& name) {
    for (const auto& [k, v] : c.attention)
        if (k == name) return v;
    throw UsageError("attention case '" + c.name + "' has no dimension '" + name + "'");
}

}  // namespace

// The own fused kernels (the ones the cost model's attention runs as): forward and backward,
// causal and full, multi-head and grouped-query, and decode (one query row against a KV cache).
// The fitted grid spans sequence lengths and head dims an LLM step uses at this machine's scale;
// held-out shapes sit between grid points and are never fitted on.
std::vector<SweepCase> plan_attention_sweep(const std::string& mode, int threads) {
    const bool smoke = mode == "smoke", full = mode == "full";
    std::vector<DType> dtypes = {DType::fp32};
    if (full && find_attention_backend("own").supports(DType::bf16)) dtypes.push_back(DType::bf16);
    std::vector<SweepCase> v;
    // Quick on a CPU with a bf16 dot product: the causal passes a training step runs, in bf16
    // (calibrate/sweep.hpp, cpu_has_bf16_dot), plus two held-out shapes.
    if (mode == "quick" && cpu_has_bf16_dot() &&
        find_attention_backend("own").supports(DType::bf16)) {
        for (std::int64_t d : {64, 128}) {
            for (std::int64_t s : {256, 512, 1024, 2048})
                v.push_back(
                    make_case({1, 8, 8, s, s, d}, DType::bf16, false, true, false, threads));
            for (std::int64_t s : {256, 512, 1024})
                v.push_back(make_case({1, 8, 8, s, s, d}, DType::bf16, true, true, false, threads));
        }
        v.push_back(make_case({1, 8, 8, 768, 768, 64}, DType::bf16, false, true, true, threads));
        v.push_back(make_case({1, 8, 8, 384, 384, 128}, DType::bf16, true, true, true, threads));
    }
    for (DType dt : dtypes) {
        auto add = [&](const AttnShape& s, bool bwd, bool causal, bool held) {
            v.push_back(make_case(s, dt, bwd, causal, held, threads));
        };
        if (smoke) {
            for (bool causal : {false, true}) {
                for (std::int64_t s : {64, 128, 256})
                    add({1, 2, 2, s, s, 64}, false, causal, false);
                add({1, 2, 2, 192, 192, 64}, false, causal, true);
            }
            for (std::int64_t s : {64, 128, 256}) add({1, 2, 2, s, s, 64}, true, true, false);
            add({1, 2, 2, 192, 192, 64}, true, true, true);
            continue;
        }
        const std::vector<std::int64_t> seqs =
            full ? std::vector<std::int64_t>{256, 512, 1024, 2048, 4096}
                 : std::vector<std::int64_t>{256, 512, 1024, 2048};
        const std::vector<std::int64_t> bwd_seqs =
            full ? std::vector<std::int64_t>{256, 512, 1024, 2048}
                 : std::vector<std::int64_t>{256, 512, 1024};
        for (bool causal : {false, true})
            for (std::int64_t d : {64, 128}) {
                for (std::int64_t s : seqs) add({1, 8, 8, s, s, d}, false, causal, false);
                for (std::int64_t s : bwd_seqs) add({1, 8, 8, s, s, d}, true, causal, false);
            }
        // Grouped-query (8 query heads per KV head) and batch > 1.
        add({2, 16, 2, 512, 512, 128}, false, true, false);
        add({1, 32, 8, 1024, 1024, 128}, false, true, false);
        add({2, 16, 2, 512, 512, 128}, true, true, false);
        // Decode: one new token against a KV cache (non-causal: every cached position is visible).
        for (std::int64_t sk : {1024, 4096, 16384})
            add({1, 32, 8, 1, sk, 128}, false, false, false);
        add({4, 32, 8, 1, 2048, 128}, false, false, false);
        // Held out.
        add({1, 8, 8, 768, 768, 64}, false, true, true);
        add({1, 8, 8, 1536, 1536, 128}, false, false, true);
        add({1, 8, 8, 384, 384, 128}, true, true, true);
        add({1, 8, 8, 768, 768, 64}, true, false, true);
        add({1, 16, 4, 1536, 1536, 128}, false, true, true);
        add({2, 32, 8, 1, 8192, 128}, false, false, true);
    }
    return v;
}

AttentionCaseSpec attention_spec_of(const SweepCase& c, int threads) {
    AttentionCaseSpec spec;
    spec.backend = c.attention_backend;
    spec.problem.shape = {dim_of(c, "b"),  dim_of(c, "h"), dim_of(c, "g"),  dim_of(c, "sq"),
                          dim_of(c, "sk"), dim_of(c, "d"), dim_of(c, "dv"), c.attention_causal};
    spec.problem.dtype = c.attention_dtype;
    spec.pass = c.attention_backward ? AttentionPass::bwd : AttentionPass::fwd;
    spec.threads = threads;
    return spec;
}

CaseResult measure_attention_case(const SweepCase& c, const MeasureOptions& o,
                                  MeasureContext& ctx) {
    return measure_attention(attention_spec_of(c, ctx.clock().threads()), o, ctx);
}

}  // namespace flopmeter
