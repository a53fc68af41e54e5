// Frontier-run features on a tiny DeepSeek-style model: multi-head latent attention, shared and
// routed experts with dense first layers, expert parallelism's all-to-all, FP8 GEMMs,
// multi-token prediction and context parallelism - each against a hand count.
#include <catch2/catch.hpp>

#include <functional>
#include <map>

#include "calibrate/datasheet.hpp"
#include "calibrate/profile_predictor.hpp"
#include "core/flops.hpp"
#include "costmodel/inference_estimate.hpp"
#include "costmodel/layer_ops.hpp"
#include "costmodel/op_timing.hpp"
#include "costmodel/param_count.hpp"
#include "costmodel/presets.hpp"
#include "costmodel/training_estimate.hpp"
#include "tests/test_costmodel_fake.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

namespace {

ModelConfig tiny_ds() {
    ModelConfig m;
    m.name = "tiny-ds";
    m.layers = 4;
    m.hidden = 256;
    m.heads = m.kv_heads = 4;
    m.head_dim = 32;
    m.ffn = 512;
    m.vocab = 1000;
    m.max_positions = m.default_seq_len = 128;
    m.gated_mlp = true;
    m.activation = Activation::silu;
    m.norm = NormKind::rmsnorm;
    m.mla = true;
    m.q_lora_rank = 96;
    m.kv_lora_rank = 64;
    m.qk_nope_dim = 32;
    m.qk_rope_dim = 16;
    m.v_head_dim = 32;
    m.experts = 8;
    m.top_k = 2;
    m.moe_ffn = 128;
    m.shared_experts = 1;
    m.first_dense_layers = 1;
    m.mtp_depth = 1;
    return m;
}

double sum_if(const OpList& l, const std::function<bool(const Op&)>& f) {
    double s = 0;
    for (const auto& op : l.ops)
        if (f(op)) s += op.model_flops * op.repeat;
    return s;
}

bool has_op(const OpList& l, const std::string& name) {
    for (const auto& op : l.ops)
        if (op.name == name) return true;
    return false;
}

}  // namespace

TEST_CASE("MLA + MoE forward GEMM FLOPs = 2 x tokens x the matmul weights a token passes",
          "[costmodel][moe]") {
    const ModelConfig m = tiny_ds();
    validate_model(m);
    const ParamCount c = count_params(m);
    const std::int64_t T = 2 * 128;
    const PassShape s{2, 128, 128, true, 1, false, DType::bf16, AttentionImpl::fused};
    const OpList fwd = build_stage_ops(m, s, StageSpec{m.layers, true, true, 0}, nullptr);
    const double gemm = sum_if(fwd, [](const Op& o) { return o.timing == Timing::gemm; });
    // Active weights minus the embedding table (a lookup) and the norm gains (including MLA's
    // two latent norms per layer).
    const double norms = c.norms + double(m.layers) * double(m.q_lora_rank + m.kv_lora_rank);
    CHECK(gemm == Approx(2.0 * double(T) * (c.active - c.token_embedding - norms)).epsilon(1e-12));
    // Attention: 128 query/key dims per head would be wrong; MLA's are 32 + 16 and 32.
    flops::AttentionShape a{2, 4, 4, 128, 128, 48, 32, true};
    const double attn = sum_if(fwd, [](const Op& o) { return o.timing == Timing::attention; });
    CHECK(attn == Approx(double(m.layers) * flops::attention_fwd_model_flops(a)));
    // The dense first layer has no router; the others do.
    CHECK(!has_op(build_stage_ops(m, s, StageSpec{1, true, false, 0}, nullptr), "moe.router"));
    CHECK(has_op(build_stage_ops(m, s, StageSpec{1, false, false, 1}, nullptr), "moe.router"));
}

TEST_CASE("multi-token prediction adds a module on the last stage in training only",
          "[costmodel][moe]") {
    const ModelConfig m = tiny_ds();
    const PassShape s{1, 128, 128, true, 1, false, DType::bf16, AttentionImpl::fused};
    const BackwardSpec bwd{Mode::pretrain, Recompute::none, {}};
    const OpList train = build_stage_ops(m, s, StageSpec{1, false, true, 3}, &bwd);
    CHECK(has_op(train, "mtp1.proj"));
    CHECK(has_op(train, "mtp1.logits"));
    // Its lookup in the shared embedding sends a gradient back into the table, like the main one.
    CHECK(has_op(train, "mtp1.embed.bwd"));
    CHECK(!has_op(build_stage_ops(m, s, StageSpec{1, false, true, 3}, nullptr), "mtp1.embed.bwd"));
    CHECK(!has_op(build_stage_ops(m, s, StageSpec{1, false, true, 3}, nullptr), "mtp1.proj"));
    CHECK(!has_op(build_stage_ops(m, s, StageSpec{1, false, false, 2}, &bwd), "mtp1.proj"));
    CHECK(count_params(m).mtp > 0);
}

TEST_CASE("expert parallelism: experts split over ranks, FLOPs kept, all-to-all costed",
          "[costmodel][moe]") {
    test::FakePredictor p;
    const ModelConfig m = tiny_ds();
    TrainingSetup s;
    s.tokens = 1e9;
    s.seq_len = 128;
    s.global_batch = 8;
    s.par.dp = 4;
    const TrainingEstimate e1 = estimate_training(m, s, p, {});
    s.par.ep = 4;
    const TrainingEstimate e4 = estimate_training(m, s, p, {});
    CHECK(e4.step_flops.model_flops == Approx(e1.step_flops.model_flops));
    CHECK(e4.stages[0].timed.total.executed_flops ==
          Approx(e1.stages[0].timed.total.executed_flops));
    int expert_gemms = 0;
    for (const auto& t : e4.stages[0].timed.ops)
        if (t.op.name == "mlp.up" && t.op.gemm.batch > 1) {  // the first layer is dense (batch 1)
            ++expert_gemms;
            CHECK(t.op.gemm.batch == 2);        // 8 experts over 4 ranks
            CHECK(t.op.gemm.m == 128 * 2 / 2);  // 128 tokens x top-2 arrive, over 2 local experts
        }
    CHECK(expert_gemms == 2);  // the MoE layers (one op, repeated) and the MTP module's layer
    // Per MoE layer (3, + the MTP module's): dispatch + combine forward, their gradients back,
    // each 128 x 2 token copies of 256 bf16 values, (ep-1)/ep leaving the rank, 100 GB/s.
    const double a2a = 128.0 * 2 * 256 * 2 * 3 / 4 / 100e9;
    CHECK(e4.stages[0].comm.ep_per_microbatch == Approx(4 * 4 * a2a));
    CHECK(e1.stages[0].comm.ep_per_microbatch == 0);
    CHECK(e4.memory.params_on_device < e1.memory.params_on_device);
    s.par.moe_imbalance = 1.5;  // the busiest rank: more rows and more bytes
    const TrainingEstimate eb = estimate_training(m, s, p, {});
    CHECK(eb.stages[0].comm.ep_per_microbatch == Approx(1.5 * e4.stages[0].comm.ep_per_microbatch));
    CHECK(eb.step_s > e4.step_s);
    s.par.moe_imbalance = 1.0;
    // FP8 (DeepSeek-V3 section 3.3.2): the forward dispatch and, backward, the combine's gradient
    // (a dispatch) in FP8 with one FP32 scale per 128 values (256 + 2 x 4 bytes a token); the
    // forward combine and the dispatch's gradient (a combine) stay BF16 (512 bytes).
    s.fp8 = true;
    const TrainingEstimate e8 = estimate_training(m, s, p, {});
    const double a2a_fp8 = 128.0 * 2 * (256 + 2 * 4) * 3 / 4 / 100e9;
    CHECK(e8.stages[0].comm.ep_per_microbatch == Approx(4 * (2 * a2a_fp8 + 2 * a2a)));
    s.fp8 = false;
    s.par.ep = 3;
    CHECK_THROWS(estimate_training(m, s, p, {}));  // 3 does not divide 8 experts
}

TEST_CASE("FP8 tensors in 1x128 tiles: a byte per value plus a float32 scale per tile",
          "[costmodel][moe]") {
    CHECK(flops::fp8_tile_scaled_bytes(7168) == 7168 + 56 * 4);  // a DeepSeek-V3 token: 7,392 bytes
    CHECK(flops::fp8_tile_scaled_bytes(200) == 200 + 2 * 4);     // a partial tile has its own scale
    CHECK(flops::fp8_tile_scaled_bytes(256, 64, 2.0) == 256 + 4 * 2);
}

TEST_CASE("the optimizer updates the state a device holds: experts shard over dp / ep only",
          "[costmodel][moe]") {
    test::FakePredictor p;
    const ModelConfig m = tiny_ds();
    TrainingSetup s;
    s.tokens = 1e9;
    s.seq_len = 128;
    s.global_batch = 8;
    s.par.dp = 8;
    s.par.ep = 4;
    s.par.zero = 1;
    const TrainingEstimate e = estimate_training(m, s, p, {});
    const StageParams sp = stage_params(m, 1, 4, StageSpec{m.layers, true, true, 0}, 1);
    REQUIRE(sp.experts > 0);
    // ZeRO-1: the shared parameters' state over the 8 data-parallel ranks, the experts' over the
    // 8 / 4 = 2 ranks that hold the same experts; AdamW moves 28 bytes a parameter (bf16).
    const double params = sp.shared / 8 + sp.experts / 2;
    CHECK(e.memory.optimizer_params == Approx(params));
    CHECK(e.optimizer_s == Approx(params * 28 / p.bandwidth));
}

TEST_CASE("FP8: linear GEMMs at the FP8 rate, head and gating in 16-bit", "[costmodel][moe]") {
    test::FakePredictor p;
    p.f.fp8_peak = 2 * p.f.bf16_peak;
    const ModelConfig m = tiny_ds();
    PassShape s{1, 128, 128, true, 1, false, DType::bf16, AttentionImpl::fused};
    const BackwardSpec bwd{Mode::pretrain, Recompute::none, {}};
    const TimedOps bf = time_ops(build_stage_ops(m, s, StageSpec{2, true, true, 0}, &bwd).ops, p);
    s.fp8 = true;
    const TimedOps f8 = time_ops(build_stage_ops(m, s, StageSpec{2, true, true, 0}, &bwd).ops, p);
    // Ops keyed by name and occurrence (dense and expert MLPs share names).
    std::map<std::string, double> before;
    std::map<std::string, int> seen;
    for (const auto& t : bf.ops)
        before[t.op.name + "#" + std::to_string(seen[t.op.name]++)] = t.pred.seconds;
    seen.clear();
    int casts = 0;
    for (const auto& t : f8.ops) {
        const std::string& op_name = t.op.name;
        const std::string n = op_name + "#" + std::to_string(seen[op_name]++);
        INFO(n);
        // The FP8 casts and the weight gradients' re-tiling are new memory-bound ops.
        if (n.find(".quant") != std::string::npos || n.find(".requant") != std::string::npos) {
            CHECK(t.op.timing == Timing::memory);
            ++casts;
            continue;
        }
        REQUIRE(before.count(n));
        if (op_name == "moe.dispatch") {  // the tokens are permuted in FP8 with their scales
            CHECK(t.pred.seconds == Approx(before[n] * (1.0 + 4.0 / 128) / 2));
            continue;
        }
        if (op_name == "moe.combine.bwd") {  // gate gradients read 16-bit, gradient copies FP8
            CHECK(t.pred.seconds == Approx(before[n] * (2.0 + 2.0 * (1.0 + 4.0 / 128)) / 6));
            continue;
        }
        const bool stays = n.rfind("logits", 0) == 0 || n.rfind("moe.router", 0) == 0 ||
                           n.rfind("mtp1.logits", 0) == 0 || t.op.timing != Timing::gemm;
        if (stays)
            CHECK(t.pred.seconds == before[n]);
        else
            CHECK(t.pred.seconds == Approx(before[n] / 2));
    }
    CHECK(casts > 0);
}

TEST_CASE("DualPipe lends 20 of 132 SMs to communication while the transfers run",
          "[costmodel][moe]") {
    test::FakePredictor p;
    const ModelConfig m = tiny_ds();
    TrainingSetup s;
    s.tokens = 1e9;
    s.seq_len = 128;
    s.global_batch = 8;
    s.par.dp = 4;
    s.par.ep = 4;
    s.par.pp = 2;
    s.par.schedule = Schedule::dualpipe;
    const double lent = 20.0 / 132.0;  // DeepSeek-V3 report, section 3.2.2
    int compute_bound = 0, comm_bound = 0;
    for (double link : {100e9, 0.1e9}) {
        p.f.intra_node_bandwidth = link;
        const TrainingEstimate e = estimate_training(m, s, p, {});
        for (const auto& st : e.stages) {
            const double c = st.comm.ep_per_microbatch + st.comm.pp_per_microbatch,
                         w = st.timed.total.seconds;
            REQUIRE(c > 0);
            if (c * (1 - lent) <= w) {  // compute on 112 SMs for the C seconds the transfers take
                ++compute_bound;
                CHECK(st.sm_share_s == Approx(c * lent));
                CHECK(st.per_microbatch_s == Approx(w + c * lent));
            } else {  // all of the compute on 112 SMs, the transfers still longer
                ++comm_bound;
                CHECK(st.sm_share_s == Approx(w * lent / (1 - lent)));
                CHECK(st.per_microbatch_s == Approx(c));
            }
        }
    }
    CHECK(compute_bound > 0);
    CHECK(comm_bound > 0);
}

TEST_CASE("context parallelism: each rank a cp-th of the causal pairs, exactly",
          "[costmodel][moe]") {
    const ModelConfig& m = find_preset("llama2-7b")->model;
    const std::int64_t S = 4096;
    for (int cp : {2, 4}) {
        PassShape s{1, S / cp, S / cp, true, 1, false, DType::bf16, AttentionImpl::fused};
        s.cp = cp;
        const OpList l = build_stage_ops(m, s, StageSpec{1, false, false, 0}, nullptr);
        const double attn = sum_if(l, [](const Op& o) { return o.timing == Timing::attention; });
        flops::AttentionShape whole{1, 32, 32, S, S, 128, 128, true};
        CHECK(attn * cp == Approx(flops::attention_fwd_model_flops(whole)).epsilon(1e-12));
    }
    test::FakePredictor p;
    p.f.memory_bytes = 0;  // unknown: not checked (a 7B model on one data-parallel rank)
    TrainingSetup t;
    t.tokens = 1e9;
    t.seq_len = S;
    t.global_batch = 4;
    t.par.cp = 2;
    const TrainingEstimate e = estimate_training(m, t, p, {});
    CHECK(e.stages[0].comm.cp_per_microbatch > 0);
    CHECK(e.step_flops.model_flops == Approx(estimate_training(m,
                                                               [&] {
                                                                   TrainingSetup u = t;
                                                                   u.par.cp = 1;
                                                                   return u;
                                                               }(),
                                                               p, {})
                                                 .step_flops.model_flops));
}

TEST_CASE("DeepSeek-V3's published layout runs on the H800 datasheet profile", "[costmodel][moe]") {
    const Preset* ds = find_preset("deepseek-v3");
    REQUIRE(ds);
    auto p = make_profile_predictor(*find_datasheet_profile("h800"));
    TrainingSetup s;
    s.tokens = 14.8e12;
    s.seq_len = 4096;
    s.global_batch = 15360;
    s.fp8 = true;
    s.par.pp = 16;
    s.par.dp = 128;
    s.par.ep = 64;
    s.par.zero = 1;
    s.par.uneven_pipeline = true;
    s.par.schedule = Schedule::dualpipe;
    s.recompute = Recompute::selective;  // RMSNorm and MLA up-projections (section 3.2.3)
    const TrainingEstimate e = estimate_training(ds->model, s, *p, {});
    INFO("H800 GPU-hours " << e.money.device_hours);
    CHECK(e.memory.fits());
    CHECK(e.money.device_hours > 0);
    CHECK(e.stages[1].comm.ep_per_microbatch > 0);
    // The breakdown adds up to the step, the DualPipe pair and its SM share included.
    double sum = 0;
    for (const auto& r : e.breakdown) sum += r.seconds;
    CHECK(sum == Approx(e.step_s).epsilon(1e-9));
}

TEST_CASE("MLA serves from a latent KV cache: (512 + 64) values per token per layer",
          "[costmodel][moe]") {
    test::FakePredictor p;
    p.f.memory_bytes = 0;
    InferenceSetup s;
    s.batch = 2;
    s.prompt_tokens = 100;
    s.output_tokens = 28;
    const InferenceEstimate e = estimate_inference(find_preset("deepseek-v3")->model, s, p, {});
    CHECK(e.memory.kv_cache == Approx(2.0 * 128 * 61 * (512 + 64) * 2));
}
