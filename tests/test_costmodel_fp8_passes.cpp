// FP8 training's memory-bound passes and DeepSeek-V3's low-precision storage, on one MoE layer
// of DeepSeek-V3 (section 3.3): each GEMM input cast once, re-tiled once for its weight
// gradient, the experts' input cast before the dispatch, the SwiGLU output recomputed.
#include <catch2/catch.hpp>

#include <string>

#include "core/flops.hpp"
#include "costmodel/layer_ops.hpp"
#include "costmodel/presets.hpp"
#include "costmodel/training_estimate.hpp"
#include "tests/test_costmodel_fake.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

namespace {

constexpr std::int64_t kTokens = 256;

// One routed-expert layer (global index 3: after the three dense ones), expert parallelism 64.
OpList moe_layer(bool fp8, Recompute rc) {
    const Preset* ds = find_preset("deepseek-v3");
    REQUIRE(ds);
    PassShape s{1, kTokens, kTokens, true, 1, false, DType::bf16, AttentionImpl::fused};
    s.fp8 = fp8;
    s.ep = 64;
    const BackwardSpec bwd{Mode::pretrain, rc, {}};
    return build_stage_ops(ds->model, s, StageSpec{1, false, false, 3}, &bwd);
}

const Op* find(const OpList& l, const std::string& name, Phase p) {
    for (const auto& op : l.ops)
        if (op.name == name && op.phase == p) return &op;
    return nullptr;
}

int count_containing(const OpList& l, const std::string& part) {
    int n = 0;
    for (const auto& op : l.ops) n += op.name.find(part) != std::string::npos;
    return n;
}

bool saved(const OpList& l, const std::string& name) {
    for (const auto& s : l.saved_per_layer)
        if (s.name == name) return true;
    return false;
}

}  // namespace

TEST_CASE("FP8 pass bytes: a cast, a re-tiling for the weight gradient, a weight block cast",
          "[costmodel][fp8]") {
    // 128 bf16 values: 256 read, 128 written and one float32 scale.
    CHECK(flops::fp8_quant_bytes(128, 2.0) == 256 + 128 + 4);
    // Read 1x128-tiled FP8 with its scales, write it 128x1-tiled with its scales.
    CHECK(flops::fp8_requant_transposed_bytes(128 * 128) == 2 * (128 * 128 + 128 * 4));
    // A 128x128 block: one scale.
    CHECK(flops::fp8_weight_quant_bytes(128 * 128, 2.0) == 3 * 128 * 128 + 4);
}

TEST_CASE("FP8: each GEMM input is cast once and re-tiled once for its weight gradient",
          "[costmodel][fp8]") {
    const OpList l = moe_layer(true, Recompute::none);
    const double T = double(kTokens), h = 7168;
    // q_a and kv_a read the same normalised input: one cast, one re-tiling.
    const Op* qa = find(l, "attn.q_a.quant", Phase::forward);
    REQUIRE(qa);
    CHECK(qa->mem.bytes == flops::fp8_quant_bytes(T * h, 2.0));
    CHECK_FALSE(find(l, "attn.kv_a.quant", Phase::forward));
    const Op* qa_t = find(l, "attn.q_a.requant.bwd", Phase::backward_weight);
    REQUIRE(qa_t);
    CHECK(qa_t->mem.bytes == flops::fp8_requant_transposed_bytes(T * h));
    CHECK_FALSE(find(l, "attn.kv_a.requant.bwd", Phase::backward_weight));
    // The routed experts' input is cast per token before the dispatch (section 3.3.3), not per
    // copy; the re-tiling for dW works on the 8 copies the experts received.
    const Op* up = find(l, "mlp.up.quant", Phase::forward);
    REQUIRE(up);
    CHECK(up->mem.bytes == flops::fp8_quant_bytes(T * h, 2.0));
    const Op* up_t = find(l, "mlp.up.requant.bwd", Phase::backward_weight);
    REQUIRE(up_t);
    CHECK(up_t->mem.bytes == flops::fp8_requant_transposed_bytes(8 * T * h));
    // The shared expert reads the routed experts' cast of the same tokens.
    CHECK_FALSE(find(l, "mlp.shared.up.quant", Phase::forward));
    CHECK(find(l, "mlp.shared.up.requant.bwd", Phase::backward_weight));
    // The permutation to expert order moves FP8 tokens with their scales.
    const Op* perm = find(l, "moe.dispatch", Phase::forward);
    REQUIRE(perm);
    CHECK(perm->mem.bytes == 2 * flops::fp8_tile_scaled_bytes(8 * kTokens * 7168));
    // Backward: the experts' output gradient is cast per token before the backward dispatch,
    // its copies permuted in FP8, and the weight gradient's copy re-tiled from them.
    const Op* down_g = find(l, "mlp.down.quant.bwd", Phase::backward_data);
    REQUIRE(down_g);
    CHECK(down_g->mem.bytes ==
          flops::fp8_quant_bytes(T * h, 2.0) + flops::fp8_requant_transposed_bytes(8 * T * h));
    const Op* unperm = find(l, "moe.combine.bwd", Phase::backward_data);
    REQUIRE(unperm);
    CHECK(unperm->mem.bytes ==
          8 * T * h * 2 + 2 * flops::fp8_tile_scaled_bytes(8 * kTokens * 7168));
    // A dense GEMM's output gradient: cast twice from 16 bits (row- and column-wise).
    const Op* out_g = find(l, "attn.out.quant.bwd", Phase::backward_data);
    REQUIRE(out_g);
    CHECK(out_g->mem.bytes == 2 * flops::fp8_quant_bytes(T * h, 2.0));
    // The router stays 16-bit: neither cast nor re-tiled.
    CHECK(count_containing(l, "moe.router.quant") == 0);
    CHECK(count_containing(l, "moe.router.requant") == 0);

    const OpList b = moe_layer(false, Recompute::none);
    CHECK(count_containing(b, ".quant") == 0);
    CHECK(count_containing(b, ".requant") == 0);
    const Op* perm16 = find(b, "moe.dispatch", Phase::forward);
    REQUIRE(perm16);
    CHECK(perm16->mem.bytes == 2 * 8 * T * h * 2);
    const Op* unperm16 = find(b, "moe.combine.bwd", Phase::backward_data);
    REQUIRE(unperm16);
    CHECK(unperm16->mem.bytes == 3 * 8 * T * h * 2);
}

TEST_CASE("DeepSeek-V3's recipe recomputes the experts' SwiGLU output instead of keeping it",
          "[costmodel][fp8]") {
    const OpList sel = moe_layer(true, Recompute::selective);
    const OpList none = moe_layer(true, Recompute::none);
    // An input recomputed in 16 bits (the RMSNorm's output) is cast along the tokens directly.
    const Op* qa_t = find(sel, "attn.q_a.requant.bwd", Phase::backward_weight);
    REQUIRE(qa_t);
    CHECK(qa_t->mem.bytes == flops::fp8_quant_bytes(double(kTokens) * 7168, 2.0));
    // Selective: the routed experts' SwiGLU and the cast of its output rerun in backward; its
    // FP8 input stays cached, its output does not.
    CHECK(find(sel, "mlp.act", Phase::recompute));
    CHECK(find(sel, "mlp.down.quant", Phase::recompute));
    CHECK(saved(sel, "mlp.up_out"));
    CHECK_FALSE(saved(sel, "mlp.act_out"));
    // The shared expert is not a routed one: kept as before.
    CHECK_FALSE(find(sel, "mlp.shared.act", Phase::recompute));
    CHECK(saved(sel, "mlp.shared.act_out"));
    // Without recomputation the output is kept (FP8, with its scales) and nothing reruns.
    CHECK_FALSE(find(none, "mlp.act", Phase::recompute));
    CHECK(saved(none, "mlp.act_out"));
    const double act_out = 8.0 * double(kTokens) * 2048 * (1.0 + 4.0 / 128);
    double kept_none = 0, kept_sel = 0;
    for (const auto& s : none.saved_per_layer) kept_none += s.name == "mlp.act_out" ? s.bytes : 0;
    for (const auto& s : sel.saved_per_layer) kept_sel += s.name == "mlp.act_out" ? s.bytes : 0;
    CHECK(kept_none == Approx(act_out));
    CHECK(kept_sel == 0);
}

TEST_CASE("FP8 weights are cast in 128x128 blocks once per step, by the device holding them",
          "[costmodel][fp8]") {
    test::FakePredictor p;
    p.f.fp8_peak = 2 * p.f.bf16_peak;
    const ModelConfig& m = find_preset("gpt2")->model;
    TrainingSetup s;
    s.tokens = 1e9;
    s.seq_len = 1024;
    s.global_batch = 16;
    s.par.micro_batch = 4;
    s.fp8 = true;
    TrainingEstimate e = estimate_training(m, s, p, {});
    // GPT-2 small's linear layers by hand (embedding and head stay 16-bit): QKV 768 x 2304,
    // output 768 x 768, MLP 768 x 3072 and back, 12 layers.
    const double w = 12.0 * (768 * 2304 + 768 * 768 + 2 * 768 * 3072);
    CHECK(e.fp8_weight_cast_s == Approx(flops::fp8_weight_quant_bytes(w, 2.0) / p.bandwidth));
    CHECK(e.step_s ==
          Approx(4 * e.stages[0].timed.total.seconds + e.optimizer_s + e.fp8_weight_cast_s));
    double sum = 0;
    for (const auto& r : e.breakdown) sum += r.seconds;
    CHECK(sum == Approx(e.step_s).epsilon(1e-9));
    // Two pipeline stages: each device casts its own half.
    s.par.pp = 2;
    e = estimate_training(m, s, p, {});
    CHECK(e.fp8_weight_cast_s == Approx(flops::fp8_weight_quant_bytes(w / 2, 2.0) / p.bandwidth));
    s.fp8 = false;
    CHECK(estimate_training(m, s, p, {}).fp8_weight_cast_s == 0);
}

TEST_CASE("FP8 with frozen weights (LoRA): the output gradient cast for dX only, nothing re-tiled",
          "[costmodel][fp8]") {
    const ModelConfig& m = find_preset("llama2-7b")->model;
    PassShape s{1, kTokens, kTokens, true, 1, false, DType::bf16, AttentionImpl::fused};
    s.fp8 = true;
    const BackwardSpec lora{Mode::lora, Recompute::none, LoraSetup{16, {"q", "v"}}};
    const BackwardSpec full{Mode::pretrain, Recompute::none, {}};
    const OpList l = build_stage_ops(m, s, StageSpec{2, false, false, 2}, &lora);
    const OpList f = build_stage_ops(m, s, StageSpec{2, false, false, 2}, &full);
    const double T = double(kTokens), h = 4096;
    // The output projection (h x h): one cast of its gradient (dX) frozen, two trained (dX, dW).
    const Op* lo = find(l, "attn.out.quant.bwd", Phase::backward_data);
    const Op* fo = find(f, "attn.out.quant.bwd", Phase::backward_data);
    REQUIRE(lo);
    REQUIRE(fo);
    CHECK(lo->mem.bytes == flops::fp8_quant_bytes(T * h, 2.0));
    CHECK(fo->mem.bytes == 2 * flops::fp8_quant_bytes(T * h, 2.0));
    CHECK(count_containing(l, ".requant") == 0);
    CHECK(count_containing(f, ".requant") > 0);
}
