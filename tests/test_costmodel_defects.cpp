// Issue 15's defects, each pinned: full recomputation's memory, the "does not fit" hint,
// pipeline scatter/gather, tensor-parallel overlap, the pipeline bubble of uneven stages and
// the schedules, and MFU under both attention conventions.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "costmodel/layer_ops.hpp"
#include "costmodel/presets.hpp"
#include "costmodel/training_estimate.hpp"
#include "tests/test_costmodel_fake.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

namespace {

TrainingSetup setup(std::int64_t seq = 1024, std::int64_t batch = 16) {
    TrainingSetup s;
    s.tokens = 1e9;
    s.seq_len = seq;
    s.global_batch = batch;
    return s;
}

const ModelConfig& gpt2() {
    return find_preset("gpt2")->model;
}

std::string refusal(const ModelConfig& m, const TrainingSetup& s, const Predictor& p) {
    try {
        estimate_training(m, s, p, {});
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("full recomputation: one layer's working set once, not per micro-batch in flight",
          "[costmodel][defects]") {
    test::FakePredictor p;
    const ModelConfig& m = find_preset("llama2-7b")->model;
    TrainingSetup s = setup(4096, 64);
    s.par.pp = 4;
    s.attention = AttentionImpl::explicit_matmul;  // selective then drops the S x S probabilities
    p.f.memory_bytes = 0;                          // measure, do not refuse
    auto acts = [&](Recompute r) {
        s.recompute = r;
        return estimate_training(m, s, p, {}).stages[0].memory.activations;
    };
    const double none = acts(Recompute::none), selective = acts(Recompute::selective),
                 full = acts(Recompute::full);
    CHECK(full < selective);
    CHECK(selective < none);
    // Exactly: pp micro-batches in flight on the first stage keep each layer's input (and the
    // embedding output); one layer's whole set lives once, during its recompute and backward.
    s.recompute = Recompute::full;
    const PassShape shape{1, 4096,  4096,        true,
                          1, false, DType::bf16, AttentionImpl::explicit_matmul};
    const BackwardSpec bwd{Mode::pretrain, Recompute::full, {}};
    const OpList ops = build_stage_ops(m, shape, StageSpec{8, true, false, 0}, &bwd);
    const double layer_in = 4096.0 * 4096 * 2;
    CHECK(ops.saved_layers_total == Approx(8 * layer_in));
    CHECK(full ==
          Approx(4 * (8 * layer_in + ops.saved_outside_layers) + ops.recompute_working_set));
    // The working set is what a layer keeps without recomputation (fused attention: the same
    // tensors either way).
    const PassShape fused{1, 4096, 4096, true, 1, false, DType::bf16, AttentionImpl::fused};
    const BackwardSpec keep{Mode::pretrain, Recompute::none, {}};
    double one_layer = 0;
    for (const auto& sv :
         build_stage_ops(m, fused, StageSpec{1, false, false, 0}, &keep).saved_per_layer)
        one_layer += sv.bytes;
    CHECK(build_stage_ops(m, fused, StageSpec{8, true, false, 0}, &bwd).recompute_working_set ==
          Approx(one_layer));
}

TEST_CASE("a plan that does not fit suggests only what is not already set",
          "[costmodel][defects]") {
    test::FakePredictor p;
    p.f.memory_bytes = 1e9;  // nothing 7B fits in 1 GB
    const ModelConfig& m = find_preset("llama2-7b")->model;
    TrainingSetup s = setup(4096, 8);
    s.par.dp = 2;
    const std::string plain = refusal(m, s, p);
    CHECK(plain.find("does not fit") != std::string::npos);
    CHECK(plain.find("--recompute") != std::string::npos);
    CHECK(plain.find("--zero 1") != std::string::npos);
    s.recompute = Recompute::full;
    s.par.zero = 3;
    const std::string maxed = refusal(m, s, p);
    CHECK(maxed.find("does not fit") != std::string::npos);
    CHECK(maxed.find("--recompute") == std::string::npos);
    CHECK(maxed.find("--zero") == std::string::npos);
    CHECK(maxed.find("--micro-batch") == std::string::npos);  // already 1
    CHECK(maxed.find("--tp") != std::string::npos);
}

TEST_CASE("pipeline send/recv without sequence parallelism: scatter over tp, all-gather after",
          "[costmodel][defects]") {
    test::FakePredictor p;
    TrainingSetup s = setup(1024, 8);
    s.par.tp = 2;
    s.par.pp = 2;
    const TrainingEstimate e = estimate_training(gpt2(), s, p, {});
    const double msg = 1024.0 * 768 * 2;  // one micro-batch's activation, bf16
    // Each rank sends msg / tp forward and back; the receiving tensor group all-gathers msg.
    const double expect = 2 * (msg / 2) / 100e9 + 2 * (msg * 1 / 2) / 100e9;
    CHECK(e.stages[0].comm.pp_per_microbatch == Approx(expect));
    s.par.sequence_parallel = true;
    const TrainingEstimate sp = estimate_training(gpt2(), s, p, {});
    CHECK(sp.stages[0].comm.pp_per_microbatch == Approx(2 * (msg / 2) / 100e9));
}

TEST_CASE("tensor-parallel collectives hide under compute by --tp-overlap",
          "[costmodel][defects]") {
    test::FakePredictor p;
    TrainingSetup s = setup(1024, 8);
    s.par.tp = 4;
    const TrainingEstimate e0 = estimate_training(gpt2(), s, p, {});
    const double tp = e0.stages[0].comm.tp_per_microbatch;
    REQUIRE(tp > 0);
    CHECK(e0.tp_comm_s == Approx(8 * tp));
    s.par.tp_overlap = 0.5;
    const TrainingEstimate e1 = estimate_training(gpt2(), s, p, {});
    CHECK(e1.tp_comm_s == Approx(4 * tp));
    CHECK(e1.step_s == Approx(e0.step_s - 4 * tp));
    s.par.tp_overlap = 1.0;
    CHECK(estimate_training(gpt2(), s, p, {}).tp_comm_s == 0);
}

TEST_CASE("pipeline bubble: the other stages' time, not (pp - 1) slowest-stage slots",
          "[costmodel][defects]") {
    test::FakePredictor p;
    TrainingSetup s = setup(1024, 8);
    s.par.pp = 4;
    const TrainingEstimate e = estimate_training(gpt2(), s, p, {});
    REQUIRE(e.stages.size() == 3);  // first, middle (x2), last
    const double t0 = e.stages[0].per_microbatch_s, t1 = e.stages[1].per_microbatch_s,
                 t3 = e.stages[2].per_microbatch_s;
    const double tmax = std::max({t0, t1, t3});
    CHECK(e.bubble_s == Approx(t0 + 2 * t1 + t3 - tmax));
    CHECK(e.bubble_s < 3 * tmax);  // the last stage (logits) is heavier than the others
    CHECK(e.pipeline_s == Approx(8 * tmax + e.bubble_s));
    // Zero-bubble and DualPipe (DeepSeek-V3 Table 2): (pp-1)(F+B-2W) and (pp/2-1)(F&B+B-3W).
    s.par.schedule = Schedule::zero_bubble;
    const TrainingEstimate zb = estimate_training(gpt2(), s, p, {});
    s.par.schedule = Schedule::dualpipe;
    const TrainingEstimate dp = estimate_training(gpt2(), s, p, {});
    CHECK(zb.bubble_s < e.bubble_s);
    CHECK(dp.bubble_s < zb.bubble_s);
    CHECK(dp.stages[1].memory.weights ==
          Approx(2 * e.stages[1].memory.weights));  // two parameter copies
    s.par.pp = 3;
    CHECK_THROWS_AS(estimate_training(gpt2(), s, p, {}), UsageError);  // DualPipe needs an even pp
}

// F, B and W of one micro-batch on a stage, as DeepSeek-V3's Table 2 defines them (B: the
// whole backward, recomputation included; W: its weight-gradient part).
struct Fbw {
    double f = 0, b = 0, w = 0;
};
Fbw fbw(const StageEstimate& st) {
    Fbw r;
    for (const auto& t : st.timed.ops) {
        if (t.op.phase == Phase::forward)
            r.f += t.seconds();
        else if (t.op.phase == Phase::backward_weight)
            r.b += t.seconds(), r.w += t.seconds();
        else if (t.op.phase != Phase::optimizer)
            r.b += t.seconds();
    }
    return r;
}

TEST_CASE("DualPipe: the first and last stages' device paces with their averaged F, B and W",
          "[costmodel][defects]") {
    test::FakePredictor p;
    TrainingSetup s = setup(1024, 8);
    s.par.pp = 4;
    s.par.schedule = Schedule::dualpipe;
    const TrainingEstimate e = estimate_training(gpt2(), s, p, {});
    REQUIRE(e.stages.size() == 3);
    const double t0 = e.stages[0].per_microbatch_s, t1 = e.stages[1].per_microbatch_s,
                 t3 = e.stages[2].per_microbatch_s;
    const double pair = (t0 + t3) / 2;
    REQUIRE(pair > t1);  // the logits make the first/last device the slowest
    REQUIRE(e.slowest_stage == 0);
    // Table 2: (pp/2 - 1)(F&B + B - 3W) with the pair's device's F, B and W (each stage's half),
    // scaled by u = (sum t_i - t_max) / ((pp - 1) t_max) for unequal stages.
    const Fbw a = fbw(e.stages[0]), b = fbw(e.stages[2]);
    const double u = (2 * pair + 2 * t1 - pair) / (3 * pair);
    const double expect = u * 1.0 * (pair + (a.b + b.b) / 2 - 3 * (a.w + b.w) / 2);
    CHECK(e.bubble_s == Approx(expect));
    CHECK(e.bubble_s != Approx(u * (pair + a.b - 3 * a.w)));  // not the first stage's alone
}

TEST_CASE("the bubble note names the schedule that was modelled", "[costmodel][defects]") {
    test::FakePredictor p;
    TrainingSetup s = setup(1024, 8);
    s.par.pp = 4;
    auto note = [&](Schedule k) {
        s.par.schedule = k;
        const TrainingEstimate e = estimate_training(gpt2(), s, p, {});
        REQUIRE(!e.notes.empty());
        return e.notes.front();
    };
    const std::string one = note(Schedule::one_f_one_b), zb = note(Schedule::zero_bubble),
                      dual = note(Schedule::dualpipe);
    CHECK(one.rfind("1F1B pipeline:", 0) == 0);
    CHECK(one.find("3 fill/drain slots over 8 micro-batches") != std::string::npos);
    CHECK(zb.rfind("zero-bubble (ZB1P) pipeline:", 0) == 0);
    CHECK(zb.find("3 slots of F + B - 2W") != std::string::npos);
    CHECK(dual.rfind("DualPipe pipeline:", 0) == 0);
    CHECK(dual.find("1 slot of F&B + B - 3W") != std::string::npos);
    CHECK(dual.find("1F1B") == std::string::npos);
}

TEST_CASE("MFU under both conventions: causal pairs and every pair", "[costmodel][defects]") {
    test::FakePredictor p;
    const TrainingEstimate e = estimate_training(gpt2(), setup(1024, 8), p, {});
    CHECK(e.mfu_noncausal > e.mfu);
    CHECK(e.mfu_noncausal / e.mfu ==
          Approx(e.step_flops.model_flops_noncausal / e.step_flops.model_flops));
}
