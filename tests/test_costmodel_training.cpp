// Training estimates on a deterministic fake profile: step time assembled from the ops,
// pipeline bubble, data-parallel overlap, ZeRO memory, money and energy, refusals.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "costmodel/presets.hpp"
#include "costmodel/training_estimate.hpp"
#include "costmodel/whatif.hpp"
#include "tests/test_costmodel_fake.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

namespace {

TrainingSetup setup(double tokens = 1e9, std::int64_t seq = 1024, std::int64_t batch = 16) {
    TrainingSetup s;
    s.tokens = tokens;
    s.seq_len = seq;
    s.global_batch = batch;
    return s;
}

const ModelConfig& gpt2() {
    return find_preset("gpt2")->model;
}

}  // namespace

TEST_CASE("single device: step = ops x micro-batches + optimizer, MFU from model FLOPs",
          "[costmodel][training]") {
    test::FakePredictor p;
    TrainingSetup s = setup();
    s.par.micro_batch = 4;  // 4 micro-batches per step
    const TrainingEstimate e = estimate_training(gpt2(), s, p, {});
    REQUIRE(e.stages.size() == 1);
    CHECK(e.microbatches == 4);
    CHECK(e.step_s == Approx(4 * e.stages[0].timed.total.seconds + e.optimizer_s).epsilon(1e-12));
    CHECK(e.bubble_s == 0);
    CHECK(e.dp_comm_s == 0);
    CHECK(e.mfu == Approx(e.step_flops.model_flops / (e.step_s * 200e12)).epsilon(1e-12));
    CHECK(e.mfu < 100e12 / 200e12);  // can never beat the fake GEMM rate
    CHECK(e.steps == Approx(1e9 / (16.0 * 1024)));
    CHECK(e.tokens_per_s == Approx(16.0 * 1024 / e.step_s));
    // Exact FLOPs sit a little above 6ND (attention, and the tied head counted as a matmul).
    CHECK(e.total_model_flops > e.six_nd);
    CHECK(e.total_model_flops < 1.2 * e.six_nd);
    CHECK(e.total_model_flops_noncausal > e.total_model_flops);
    CHECK(e.total_executed_flops ==
          Approx(e.total_model_flops).epsilon(1e-12));  // fused, no recompute
    // The breakdown rows add up to the step.
    double sum = 0;
    for (const auto& r : e.breakdown) sum += r.seconds;
    CHECK(sum == Approx(e.step_s).epsilon(1e-9));
}

TEST_CASE("money and energy follow device-hours with stated inputs", "[costmodel][training]") {
    test::FakePredictor p;
    TrainingSetup s = setup();
    s.par.dp = 8;
    s.global_batch = 64;
    CostInputs c;
    c.pue = 1.25;
    c.power_utilisation = 0.8;
    const TrainingEstimate e = estimate_training(gpt2(), s, p, c);
    CHECK(e.money.device_hours == Approx(e.wall_s * 8 / 3600));
    CHECK(e.money.dollars == Approx(e.money.device_hours * 2.0));
    CHECK(e.money.energy_kwh == Approx(e.money.device_hours * 500 * 0.8 * 1.25 / 1000));
    c.price_per_hour = 10;
    CHECK(estimate_training(gpt2(), s, p, c).money.dollars == Approx(e.money.device_hours * 10));
}

TEST_CASE("pipeline: 1F1B paced by the slowest stage, the others fill and drain",
          "[costmodel][training]") {
    test::FakePredictor p;
    TrainingSetup s = setup(1e9, 1024, 8);
    s.par.pp = 4;
    const TrainingEstimate e = estimate_training(gpt2(), s, p, {});
    REQUIRE(e.stages.size() == 3);  // first, middle (x2), last
    const double t = e.stages[std::size_t(e.slowest_stage)].per_microbatch_s;
    double all = 0;
    for (std::size_t i = 0; i < 3; ++i) all += e.stages[i].per_microbatch_s * (i == 1 ? 2 : 1);
    CHECK(e.pipeline_s == Approx(8 * t + all - t));
    CHECK(e.bubble_s == Approx(all - t));
    CHECK(e.bubble_s <= 3 * t);  // (pp - 1) t only when the stages are equal
    CHECK(e.pp_comm_s > 0);
    // The last stage carries the logits and loss of a 50257-token vocabulary: it is the slowest.
    CHECK(e.stages[std::size_t(e.slowest_stage)].name.find("last") != std::string::npos);
    // 1F1B keeps pp micro-batches of activations on the first stage.
    CHECK(e.stages[0].memory.activations > e.stages[1].memory.activations);
}

TEST_CASE("data parallel: gradient all-reduce, hidden by --overlap", "[costmodel][training]") {
    test::FakePredictor p;
    TrainingSetup s = setup(1e9, 1024, 64);
    s.par.dp = 4;
    const TrainingEstimate e0 = estimate_training(gpt2(), s, p, {});
    // Ring all-reduce of bf16 gradients inside one node: 2 (n-1)/n x bytes / link.
    const double grads = e0.memory.trainable_on_device * 2.0;
    CHECK(e0.dp_comm_s == Approx(2.0 * 3 / 4 * grads / 100e9));
    CHECK(e0.dp_exposed_s == Approx(e0.dp_comm_s));
    s.par.overlap = 1.0;
    const TrainingEstimate e1 = estimate_training(gpt2(), s, p, {});
    CHECK(e1.dp_exposed_s == 0);
    CHECK(e1.step_s == Approx(e0.step_s - e0.dp_comm_s));
    // Crossing nodes (64 devices, 8 per node) uses the slower link.
    s.par.dp = 64;
    s.par.overlap = 0;
    const TrainingEstimate e2 = estimate_training(gpt2(), s, p, {});
    CHECK(e2.dp_comm_s == Approx(2.0 * 63 / 64 * grads / 25e9));
}

TEST_CASE("ZeRO stages shard optimizer state, gradients, then weights", "[costmodel][training]") {
    test::FakePredictor p;
    TrainingSetup s = setup(1e9, 1024, 64);
    s.par.dp = 8;
    std::vector<MemoryPlan> m;
    for (int z = 0; z <= 3; ++z) {
        s.par.zero = z;
        m.push_back(estimate_training(gpt2(), s, p, {}).memory);
    }
    const double n = m[0].params_on_device;
    CHECK(m[0].weights == n * 2);
    CHECK(m[0].gradients == n * 2);
    CHECK(m[0].optimizer == n * 12);  // fp32 master + two moments
    CHECK(m[1].optimizer == Approx(n * 12 / 8));
    CHECK(m[1].gradients == n * 2);
    CHECK(m[2].gradients == Approx(n * 2 / 8));
    CHECK(m[3].weights == Approx(n * 2 / 8));
    CHECK(m[3].total() < m[2].total());
}

TEST_CASE("bad training input: one clear error", "[costmodel][training]") {
    test::FakePredictor p;
    auto err = [&](TrainingSetup s, const ModelConfig& m = gpt2()) {
        try {
            estimate_training(m, s, p, {});
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    TrainingSetup s = setup();
    s.tokens = 0;
    CHECK_THAT(err(s), Catch::Contains("--tokens must be positive"));
    s.tokens = -5;
    CHECK_THAT(err(s), Catch::Contains("--tokens must be positive"));
    s = setup();
    s.par.tp = 5;
    CHECK_THAT(err(s), Catch::Contains("does not divide the 12 attention heads"));
    s = setup();
    s.par.pp = 5;
    CHECK_THAT(err(s), Catch::Contains("does not divide the 12 layers"));
    s = setup(1e9, 1024, 10);
    s.par.dp = 4;
    CHECK_THAT(err(s), Catch::Contains("not a multiple of --dp x --micro-batch"));
    s = setup(1e9, 4096);
    CHECK_THAT(err(s), Catch::Contains("1024 learned positions"));
    s = setup();
    s.par.zero = 4;
    CHECK_THAT(err(s), Catch::Contains("--zero"));
    s = setup();
    s.mode = Mode::lora;
    s.lora.targets = {"qq"};
    CHECK_THAT(err(s), Catch::Contains("unknown LoRA target module 'qq'"));
    // Llama 2 70B on one 80 GB device: weights alone are 138 GB.
    s = setup(1e9, 4096, 1);
    CHECK_THAT(err(s, find_preset("llama2-70b")->model), Catch::Contains("does not fit"));
    // ...and fits on 64 of them with TP 8, PP 8, ZeRO 1 and full recomputation.
    s = setup(1e9, 4096, 64);
    s.par.tp = 8;
    s.par.pp = 8;
    s.recompute = Recompute::full;
    CHECK(err(s, find_preset("llama2-70b")->model) == "accepted");
}

TEST_CASE("LoRA trains only the adapters", "[costmodel][training]") {
    test::FakePredictor p;
    TrainingSetup s = setup(1e8, 4096, 8);
    s.mode = Mode::lora;
    s.lora = LoraSetup{16, {"q", "k", "v", "o"}};
    const ModelConfig& m = find_preset("llama2-7b")->model;
    const TrainingEstimate e = estimate_training(m, s, p, {});
    CHECK(e.trainable_params == 32.0 * 16 * 4 * (4096 + 4096));
    CHECK(e.memory.gradients == e.trainable_params * 2);
    TrainingSetup full = s;
    full.mode = Mode::pretrain;
    p.f.memory_bytes = 1e12;  // full fine-tuning would not fit in 80 GB; compare compute only
    const TrainingEstimate f = estimate_training(m, full, p, {});
    // No weight gradients: about 2/3 of the full training's model FLOPs.
    CHECK(e.step_flops.model_flops < 0.72 * f.step_flops.model_flops);
    CHECK(e.step_flops.model_flops > 0.6 * f.step_flops.model_flops);
}

TEST_CASE("delta training costs the new tokens only, and shows the from-scratch cost",
          "[costmodel][training]") {
    test::FakePredictor p;
    TrainingSetup s = setup(1e9);
    s.mode = Mode::delta;
    s.base_tokens = 9e9;
    const TrainingEstimate d = estimate_training(gpt2(), s, p, {});
    TrainingSetup pre = setup(1e9);
    const TrainingEstimate e = estimate_training(gpt2(), pre, p, {});
    CHECK(d.money.device_hours == Approx(e.money.device_hours));
    CHECK(d.scratch_device_hours == Approx(10 * e.money.device_hours));
}

TEST_CASE("what-if: cost divided by compounded yearly improvements", "[costmodel][whatif]") {
    WhatIfInputs in;
    in.years = 3;
    in.hardware_per_year = 1.5;
    in.algorithm_per_year = 2.0;
    const auto rows = project_cost(in, 1e24, 1e6, 2e6, 7e5);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].dollars == 2e6);
    CHECK(rows[3].dollars == Approx(2e6 / (3.375 * 8)));
    CHECK(rows[3].flops == Approx(1e24 / 8));
    CHECK(rows[3].device_hours == Approx(1e6 / 8));
    in.hardware_per_year = 0;
    CHECK_THROWS_AS(project_cost(in, 1, 1, 1, 1), UsageError);
}
