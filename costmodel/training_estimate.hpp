// A training run on one profile: the step decomposed into timed ops per pipeline stage, plus
// communication, bubble and optimizer; then FLOPs (exact, 6ND, causal and non-causal, model and
// executed), MFU/HFU, wall time, device-hours, dollars and energy.
#pragma once

#include <array>
#include <set>
#include <string>
#include <vector>

#include "calibrate/predictor.hpp"
#include "costmodel/comm_plan.hpp"
#include "costmodel/memory_plan.hpp"
#include "costmodel/model_config.hpp"
#include "costmodel/op_timing.hpp"
#include "costmodel/param_count.hpp"
#include "costmodel/workload.hpp"

namespace flopmeter::cost {

struct StageEstimate {
    std::string name;  // "stage 0 (embedding)", ...
    std::int64_t layers = 0;
    TimedOps timed;  // one micro-batch on one device
    CommTimes comm;
    double per_microbatch_s = 0;  // ops + the exposed part of its transfers
    double tp_exposed_s = 0, ep_exposed_s = 0,
           pp_exposed_s = 0;  // per micro-batch, not hidden under compute
    double sm_share_s =
        0;  // DualPipe: compute slowed by the SMs its overlapped communication takes
    MemoryPlan memory;
};

struct Money {
    double device_hours = 0, price_per_hour = 0, dollars = 0;
    double power_watts = 0, power_utilisation = 0, pue = 0, energy_kwh = 0;
};

// A row of the step-time breakdown: op groups, then communication, bubble and optimizer.
struct BreakdownRow {
    std::string kind;
    double seconds = 0;      // per step on the slowest stage's device
    double model_flops = 0;  // per step, whole model (all devices)
};

struct TrainingEstimate {
    ModelConfig model;
    ParamCount params;
    TrainingSetup setup;
    DeviceFacts facts;
    double trainable_params = 0;

    double tokens_per_step = 0, steps = 0, microbatches = 0;
    std::vector<StageEstimate> stages;
    int slowest_stage = 0;

    // Seconds per optimizer step.
    double step_s = 0, pipeline_s = 0, bubble_s = 0, tp_comm_s = 0, pp_comm_s = 0, dp_comm_s = 0,
           dp_exposed_s = 0, optimizer_s = 0, ep_comm_s = 0,
           cp_comm_s = 0;  // comm: the exposed part
    // FP8: the device's FP8-GEMM weights cast in 128x128 blocks once per step (they change only
    // at the optimizer step).
    double fp8_weight_cast_s = 0;
    // FLOPs per step, all devices.
    GroupTotals step_flops;  // model (causal), model (non-causal), executed (incl. recomputation,
                             // replication)
    std::array<GroupTotals, op_group_count> model_by_group{};
    double optimizer_flops = 0;
    // Whole run.
    double total_model_flops = 0, total_model_flops_noncausal = 0, total_executed_flops = 0,
           six_nd = 0;
    double tokens_per_s = 0, tokens_per_s_per_device = 0, mfu = 0, hfu = 0, wall_s = 0;
    // MFU counting every (query, key) pair, as PaLM (Chowdhery et al. 2022, appendix B) and
    // Megatron (Narayanan et al. 2021, section 5.1) do; `mfu` counts the causal pairs only.
    double mfu_noncausal = 0;
    double peak_flops = 0;  // per device, at the compute dtype
    Money money;
    // Delta training with --base-tokens: the same model trained from scratch on base + new tokens.
    double scratch_device_hours = 0, scratch_dollars = 0;
    MemoryPlan memory;  // the fullest device
    std::vector<BreakdownRow> breakdown;
    std::set<std::string> sources;  // where the times came from
    std::vector<std::string> notes;
};

// Throws UsageError naming the problem: non-positive tokens or sizes, parallel sizes that do
// not divide the model or the batch, a sequence longer than the model's positions.
void check_training_setup(const ModelConfig& m, const TrainingSetup& s);

// Throws UsageError when the plan does not fit in the device's memory.
TrainingEstimate estimate_training(const ModelConfig& m, const TrainingSetup& s, const Predictor& p,
                                   const CostInputs& c);

Money money_for(double device_hours, const DeviceFacts& f, const CostInputs& c);

// Model FLOPs of one optimizer step, all devices together: counted on one undivided replica,
// so they do not depend on the parallel layout. executed_flops/other_flops are left 0.
struct StepFlops {
    GroupTotals total;
    std::array<GroupTotals, op_group_count> by_group{};
};
StepFlops training_model_flops(const ModelConfig& m, const TrainingSetup& s);

}  // namespace flopmeter::cost
