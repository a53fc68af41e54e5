// The decomposition: exact per-op shapes and FLOPs against closed forms worked out by hand,
// GEMM layouts of each pass, LoRA's missing weight gradients, recomputation and saved
// activations.
#include <catch2/catch.hpp>

#include <map>

#include "core/flops.hpp"
#include "costmodel/layer_ops.hpp"
#include "costmodel/presets.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

namespace {

struct Sums {
    double model = 0, noncausal = 0, executed = 0;
    std::map<OpGroup, double> model_by_group, executed_by_group;
};

Sums sum(const OpList& l) {
    Sums s;
    for (const auto& op : l.ops) {
        s.model += op.model_flops * op.repeat;
        s.noncausal += op.model_flops_noncausal * op.repeat;
        s.executed += op.executed_flops * op.repeat;
        s.model_by_group[op.group] += op.model_flops * op.repeat;
        s.executed_by_group[op.group] += op.executed_flops * op.repeat;
    }
    return s;
}

double repeats_named(const OpList& l, const std::string& name) {
    double n = 0;
    for (const auto& op : l.ops)
        if (op.name == name) n += op.repeat;
    return n;
}

ModelConfig small_llama() {
    ModelConfig m = find_preset("llama2-7b")->model;
    m.name = "small llama";
    m.layers = 4;
    m.hidden = 256;
    m.heads = 8;
    m.kv_heads = 2;
    m.head_dim = 32;
    m.ffn = 688;
    m.vocab = 4096;
    return m;
}

}  // namespace

TEST_CASE("GPT-2 small training step: matmul FLOPs equal the closed form", "[costmodel][ops]") {
    const ModelConfig m = find_preset("gpt2")->model;
    const std::int64_t B = 2, S = 128, T = B * S, h = 768, V = 50257, L = 12, H = 12, hd = 64;
    PassShape s{B, S, S, true, 1, false, DType::fp32, AttentionImpl::explicit_matmul};
    BackwardSpec bwd;
    const OpList ops = build_stage_ops(m, s, StageSpec{L, true, true}, &bwd);
    // Linear layers: QKV 3h^2, output h^2, MLP 4h^2 + 4h^2; each forward, dX and dW.
    const double linear = 3.0 * 2.0 * T * 12.0 * h * h;
    // Explicit attention: QK^T and PV forward (2 x 2*B*H*S*S*hd), four matmuls backward.
    const double attention = 6.0 * 2.0 * B * H * double(S) * S * hd;
    const double logits = 3.0 * 2.0 * T * h * V;
    CHECK(sum(ops).executed == L * (linear + attention) + logits);
    // Model FLOPs: exact causal pairs, backward 2.5 x forward.
    flops::AttentionShape a{B, H, H, S, S, hd, hd, true};
    CHECK(sum(ops).model_by_group[OpGroup::attention] ==
          Approx(L * 3.5 * flops::attention_fwd_model_flops(a)).epsilon(1e-12));
}

TEST_CASE("GEMMs appear in their real layouts: forward nn, data gradient nt, weight gradient tn",
          "[costmodel][ops]") {
    const ModelConfig m = small_llama();
    const std::int64_t T = 3 * 64;
    PassShape s{3, 64, 64, true, 1, false, DType::bf16, AttentionImpl::fused};
    BackwardSpec bwd;
    const OpList ops = build_stage_ops(m, s, StageSpec{m.layers, true, true}, &bwd);
    int fwd = 0, dx = 0, dw = 0;
    for (const auto& op : ops.ops) {
        if (op.timing != Timing::gemm || op.group == OpGroup::attention) continue;
        INFO(op.name);
        if (op.phase == Phase::forward) {
            ++fwd;
            CHECK(op.gemm.layout == Layout::nn);
            CHECK(op.gemm.m == T);
        } else if (op.phase == Phase::backward_data) {
            ++dx;
            CHECK(op.gemm.layout == Layout::nt);
            CHECK(op.gemm.m == T);
        } else if (op.phase == Phase::backward_weight) {
            ++dw;
            CHECK(op.gemm.layout == Layout::tn);
            CHECK(op.gemm.k == T);  // the token dimension is summed over
        }
    }
    CHECK(fwd == 5);  // qkv, out, mlp.up (gate+up), mlp.down, logits
    CHECK(dx == 5);
    CHECK(dw == 5);
    // Fused gate+up: N = 2 x ffn; QKV with GQA: N = (8 + 2 x 2) x 32.
    for (const auto& op : ops.ops) {
        if (op.name == "mlp.up") CHECK(op.gemm.n == 2 * 688);
        if (op.name == "attn.qkv") CHECK(op.gemm.n == (8 + 4) * 32);
    }
}

TEST_CASE("tensor parallelism splits heads and MLP, FLOPs per device are a tp-th",
          "[costmodel][ops]") {
    const ModelConfig m = find_preset("llama2-7b")->model;
    BackwardSpec bwd;
    PassShape one{1, 256, 256, true, 1, false, DType::bf16, AttentionImpl::fused};
    PassShape four = one;
    four.tp = 4;
    const StageSpec layers_only{m.layers, false, false};
    const Sums a = sum(build_stage_ops(m, one, layers_only, &bwd)),
               b = sum(build_stage_ops(m, four, layers_only, &bwd));
    CHECK(b.model == Approx(a.model / 4).epsilon(1e-12));
}

TEST_CASE("LoRA: frozen weights get no weight gradient, adapters are exact", "[costmodel][ops]") {
    const ModelConfig m = small_llama();
    const std::int64_t B = 2, S = 64, T = B * S, r = 8, h = 256, qd = 256, kvd = 64;
    PassShape s{B, S, S, true, 1, false, DType::bf16, AttentionImpl::fused};
    BackwardSpec bwd{Mode::lora, Recompute::none, LoraSetup{r, {"q", "v"}}};
    const OpList ops = build_stage_ops(m, s, StageSpec{m.layers, true, true}, &bwd);
    for (const auto& op : ops.ops)
        if (op.phase == Phase::backward_weight && op.group != OpGroup::attention)
            CHECK(op.group == OpGroup::lora);
    // Adapters x -> A (h x r) -> B (r x out): forward 2T r (h + out); backward dB, d(xA), dA, and
    // dX through A except in layer 0, whose input (the frozen embedding) needs no gradient.
    auto adapter = [&](double out) { return 2.0 * T * r * (h + out); };
    const double fwd = adapter(qd) + adapter(kvd);  // per layer; backward is twice that
    const double skipped = 2 * (2.0 * T * r * h);   // layer 0: no dX through either A
    CHECK(sum(ops).executed_by_group[OpGroup::lora] ==
          Approx(m.layers * 3 * fwd - skipped).epsilon(1e-12));
    // The base QKV's input gradient is skipped in layer 0 only.
    CHECK(repeats_named(ops, "attn.qkv.dX") == m.layers - 1);
    CHECK(repeats_named(ops, "attn.qkv.dW") == 0);
    CHECK(repeats_named(ops, "attn.out.dX") == m.layers);
    CHECK(repeats_named(ops, "embed.lookup.bwd") == 0);
}

TEST_CASE("full recomputation repeats each layer's forward and keeps only layer inputs",
          "[costmodel][ops]") {
    const ModelConfig m = small_llama();
    PassShape s{2, 64, 64, true, 1, false, DType::bf16, AttentionImpl::fused};
    BackwardSpec none, full{Mode::pretrain, Recompute::full, {}};
    const StageSpec layers_only{m.layers, false, false};
    const OpList a = build_stage_ops(m, s, layers_only, &none),
                 b = build_stage_ops(m, s, layers_only, &full);
    double layer_fwd = 0;
    for (const auto& op : a.ops)
        if (op.phase == Phase::forward) layer_fwd += op.executed_flops * op.repeat;
    CHECK(sum(b).model == sum(a).model);  // recomputation is not useful work
    CHECK(sum(b).executed == Approx(sum(a).executed + layer_fwd).epsilon(1e-12));
    REQUIRE(b.saved_per_layer.size() == 1);
    CHECK(b.saved_per_layer[0].bytes == 2.0 * 64 * 256 * 2);
}

TEST_CASE(
    "saved activations of a GPT layer: 32 sbh bytes (Korthikanti et al. 2022 without dropout)",
    "[costmodel][ops]") {
    const ModelConfig m = find_preset("gpt2")->model;
    const std::int64_t b = 2, s = 256, h = 768;
    PassShape ps{b, s, s, true, 1, false, DType::bf16, AttentionImpl::fused};
    BackwardSpec bwd;
    const OpList ops = build_stage_ops(m, ps, StageSpec{m.layers, false, false}, &bwd);
    double bytes = 0;
    for (const auto& sv : ops.saved_per_layer) bytes += sv.bytes;
    // + the fp32 log-sum-exp per (sequence, head, query) that FlashAttention keeps.
    CHECK(bytes == 32.0 * s * b * h + 4.0 * b * 12 * s);
    // Explicit attention keeps the S x S probabilities: + 2 a s^2 b bytes (Korthikanti's 2as^2b).
    ps.attention = AttentionImpl::explicit_matmul;
    const OpList ex = build_stage_ops(m, ps, StageSpec{m.layers, false, false}, &bwd);
    double ex_bytes = 0;
    for (const auto& sv : ex.saved_per_layer) ex_bytes += sv.bytes;
    CHECK(ex_bytes == 32.0 * s * b * h + 2.0 * 12 * s * s * b);
    // With dropout on the probabilities: + the a s^2 b mask and the 2 a s^2 b dropped
    // probabilities, Korthikanti's 5 a s^2 b in all, and a pass over the scores each way.
    ModelConfig d = m;
    d.attention_dropout = true;
    const OpList dr = build_stage_ops(d, ps, StageSpec{m.layers, false, false}, &bwd);
    double dr_bytes = 0;
    for (const auto& sv : dr.saved_per_layer) dr_bytes += sv.bytes;
    CHECK(dr_bytes == 32.0 * s * b * h + 5.0 * 12 * s * s * b);
    int passes = 0;
    for (const auto& op : dr.ops) passes += op.name.rfind("attn.dropout", 0) == 0;
    CHECK(passes == 2);
    // A fused kernel applies it in registers: nothing changes.
    ps.attention = AttentionImpl::fused;
    const OpList fu = build_stage_ops(d, ps, StageSpec{m.layers, false, false}, &bwd);
    CHECK(fu.ops.size() == ops.ops.size());
}

TEST_CASE("MoE: routed tokens through top-k experts, FLOPs exact", "[costmodel][ops]") {
    const ModelConfig m = find_preset("mixtral-8x7b")->model;
    const std::int64_t B = 1, S = 1000, T = B * S;  // 2000 routed rows over 8 experts: 250 each
    PassShape s{B, S, S, true, 1, false, DType::bf16, AttentionImpl::fused};
    const OpList ops = build_stage_ops(m, s, StageSpec{1, false, false}, nullptr);
    const double expert = 2.0 * T * 2 * (4096.0 * 2 * 14336 + 14336.0 * 4096);
    CHECK(sum(ops).model_by_group[OpGroup::mlp] == expert);
    for (const auto& op : ops.ops)
        if (op.name == "mlp.up") {
            CHECK(op.gemm.batch == 8);
            CHECK(op.gemm.m == 250);
        }
}

TEST_CASE("decode: one query against the KV cache", "[costmodel][ops]") {
    const ModelConfig m = small_llama();
    PassShape s{4, 1, 300, true, 1, false, DType::bf16, AttentionImpl::fused};
    const OpList ops = build_stage_ops(m, s, StageSpec{m.layers, true, true}, nullptr);
    for (const auto& op : ops.ops) {
        CHECK(op.phase == Phase::forward);
        if (op.timing == Timing::attention) {
            CHECK(op.attn.seq_q == 1);
            CHECK(op.attn.seq_k == 300);
            CHECK(op.model_flops == 2.0 * 4 * 8 * 300 * (32 + 32));  // every cached key is visible
        }
    }
}
