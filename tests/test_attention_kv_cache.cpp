// Decode attention over a KV cache stored apart from Q (bf16, or int8 with one fp32 scale per
// token and KV head): the own decode kernel on every ISA level this CPU supports against the
// dequantize-then-double oracle on small odd shapes, the validation shown to catch a wrong
// scale, the byte conventions, and bad input (exit code 2 from the CLI).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli_runner.hpp"
#include "core/error.hpp"
#include "core/flops.hpp"
#include "core/isa.hpp"
#include "isa_override.hpp"
#include "kernels/attention/attention_backend.hpp"
#include "measure/attention_case.hpp"
#include "measure/attention_validate.hpp"

using namespace flopmeter;

namespace {

using test::IsaOverride;

AttentionCaseSpec kv_spec(flops::AttentionShape s, DType q, KvCache kv, int threads = 2) {
    AttentionCaseSpec spec;
    spec.problem.shape = s;
    spec.problem.dtype = q;
    spec.problem.kv = kv;
    spec.threads = threads;
    return spec;
}

using test::Run;

// `flopmeter bench attention ARGS`, in-process.
Run cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"bench", "attention"});
    return test::cli(std::move(args));
}

}  // namespace

TEST_CASE("decode over a bf16 or int8 KV cache matches the dequantized oracle on every ISA",
          "[attention][kv]") {
    // b, h, g, sq, sk, d, dv: GQA and MQA, odd head dims (tails of every lane count), key counts
    // that cross the lane blocks and the 512-key chunks, batch > 1, Sq up to the decode limit.
    const std::vector<flops::AttentionShape> shapes = {
        {2, 6, 3, 1, 37, 72, 72, false},     {1, 4, 1, 1, 1, 5, 3, false},
        {3, 8, 2, 1, 600, 64, 40, false},    {1, 2, 2, 3, 129, 33, 17, false},
        {2, 4, 2, 4, 1100, 128, 128, false},
    };
    for (Isa isa : isas_supported()) {
        IsaOverride force(isa);
        for (KvCache kv : {KvCache::int8, KvCache::bf16})
            for (DType q : {DType::fp32, DType::bf16})
                for (auto s : shapes)
                    for (bool causal : {false, true}) {
                        s.causal = causal;
                        AttentionCase c(kv_spec(s, q, kv));
                        const ValidationReport v = c.validate();
                        INFO(std::string(isa_name(isa))
                             << " " << attention_case_name(c.spec()) << " ["
                             << c.plan().kernel_set() << "]: " << v.detail);
                        CHECK(v.passed);
                        CHECK(v.checked > 0);
                        CHECK(c.plan().kernel_set().find("_kv" + std::string(kv_cache_name(kv))) !=
                              std::string::npos);
                    }
    }
}

TEST_CASE("the KV cache validation catches a wrong scale", "[attention][kv]") {
    const flops::AttentionShape s{1, 4, 2, 1, 40, 16, 16, false};
    AttentionCase c(kv_spec(s, DType::fp32, KvCache::int8, 1));
    REQUIRE(c.validate().passed);
    const AttentionOperands& ops = c.operands();
    // The oracle's view of the cache, dequantized by hand: code * its (token, head) scale.
    const std::int64_t n = s.seq_k * s.kv_heads * s.head_dim;
    std::vector<double> q(static_cast<std::size_t>(s.heads * s.head_dim)),
        k(static_cast<std::size_t>(n)), v(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < q.size(); ++i) q[i] = static_cast<const float*>(ops.q)[i];
    for (std::int64_t i = 0; i < n; ++i) {
        k[std::size_t(i)] =
            double(static_cast<const std::int8_t*>(ops.k)[i]) * ops.k_scale[i / s.head_dim];
        v[std::size_t(i)] =
            double(static_cast<const std::int8_t*>(ops.v)[i]) * ops.v_scale[i / s.head_dim];
    }
    AttentionProblem pd = c.spec().problem;
    pd.dtype = DType::fp64;
    pd.kv = KvCache::same;
    AttentionOperands od = ops;
    od.q = q.data();
    od.k = k.data();
    od.v = v.data();
    CHECK(validate_attention_fwd(pd, od, 0.0).passed);
    // The kernel run with one scale of one token 1% off (K: its score; V: its value) disagrees.
    for (const float* which : {ops.k_scale, ops.v_scale}) {
        auto* sc = const_cast<float*>(which);
        const float good = sc[7 * 2 + 1];
        sc[7 * 2 + 1] = good * 1.01f;
        c.run();
        sc[7 * 2 + 1] = good;
        CHECK_FALSE(validate_attention_fwd(pd, od, 0.0).passed);
        c.run();
        CHECK(validate_attention_fwd(pd, od, 0.0).passed);
    }
}

TEST_CASE("KV cache byte conventions", "[attention][kv][flops]") {
    const flops::AttentionShape s{2, 8, 2, 1, 100, 64, 32, false};
    // int8 codes, one 4-byte scale per (token, KV head) for K and for V.
    CHECK(flops::attention_decode_kv_bytes(s, 1.0, 4.0) == 2.0 * 100 * 2 * (96 + 8));
    CHECK(flops::attention_decode_kv_bytes(s, 2.0, 0.0) == flops::attention_kv_bytes(s, 2.0));
    // Step bytes = the cache read + Q + O (fp32) + LSE (fp32).
    CHECK(flops::attention_decode_bytes(s, 4.0, 1.0, 4.0, 4.0) ==
          2.0 * 100 * 2 * (96 + 8) + 2.0 * 8 * 64 * 4 + 2.0 * 8 * 32 * 4 + 2.0 * 8 * 4);
    AttentionCase c(kv_spec(s, DType::fp32, KvCache::int8, 1));
    const CaseResult r = c.describe();
    CHECK(r.bytes == flops::attention_decode_bytes(s, 4.0, 1.0, 4.0, 4.0));
    CHECK(r.model_flops ==
          flops::attention_fwd_model_flops(s));  // the cache dtype changes bytes only
    bool have_kv = false;
    for (const auto& [n, v] : r.params) {
        if (n == "kv_bytes") CHECK(std::stod(v) == flops::attention_decode_kv_bytes(s, 1.0, 4.0));
        if (n == "kv_cache") have_kv = v == "int8";
    }
    CHECK(have_kv);
}

TEST_CASE("a KV cache dtype outside a decode forward on the own backend is bad input",
          "[attention][kv]") {
    AttentionProblem p;
    p.shape = {1, 4, 2, 1, 64, 16, 16, false};
    p.kv = KvCache::int8;
    CHECK_NOTHROW(check_attention_problem(p, AttentionPass::fwd));
    CHECK_THROWS_AS(check_attention_problem(p, AttentionPass::bwd), UsageError);
    p.shape.seq_q = kAttentionDecodeMaxSeqQ + 1;
    CHECK_THROWS_AS(check_attention_problem(p, AttentionPass::fwd), UsageError);
    p.shape.seq_q = 1;
    CHECK_THROWS_AS(
        make_attention_plan(find_attention_backend("reference"), p, AttentionPass::fwd, 1),
        UsageError);

    const std::vector<std::string> ok = {"--heads", "4",  "--kv-heads", "2", "--seq-q", "1",
                                         "--seq-k", "64", "--head-dim", "16"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = ok;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
        {with({"--kv-dtype", "int9"}), "unknown --kv-dtype 'int9'"},
        {with({"--kv-dtype", "int8", "--pass", "bwd"}), "decode forward only"},
        {{"--heads", "4", "--seq-q", "16", "--head-dim", "16", "--kv-dtype", "bf16"}, "Sq=16"},
        {with({"--kv-dtype", "int8", "--backend", "unfused"}), "own backend only"},
    };
    for (const auto& [args, expect] : bad) {
        const Run r = cli(args);
        INFO(r.err);
        CHECK(r.code == 2);
        CHECK(r.err.find(expect) != std::string::npos);
    }
}

TEST_CASE("bench attention --kv-dtype runs the caches side by side", "[attention][kv][cli]") {
    const Run r = cli({"--heads", "4", "--kv-heads", "2", "--seq-q", "1", "--seq-k", "300",
                       "--head-dim", "24", "--kv-dtype", "same,bf16,int8", "--budget", "0.05",
                       "--min-samples", "3", "--no-clock-probe"});
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find("fp32 kv bf16") != std::string::npos);
    CHECK(r.out.find("fp32 kv int8") != std::string::npos);
    CHECK(r.out.find("decode_f32_kvint8_") != std::string::npos);
}
