// One op of a training step or an inference pass, with its exact shape, its FLOPs under each
// convention, the bytes it moves, and what it keeps for the backward pass. The cost model
// builds lists of these (layer_ops.hpp), times each through the Predictor (op_timing.hpp) and
// sums them.
#pragma once

#include <string>
#include <vector>

#include "calibrate/predictor.hpp"

namespace flopmeter::cost {

// Rows of the breakdown table.
enum class OpGroup {
    qkv,
    attention,
    attn_out,
    mlp,
    router,
    lora,
    norm,
    activation,
    residual,
    embedding,
    logits,
    loss,
    optimizer,
    mtp
};
constexpr int op_group_count = 14;
std::string op_group_name(OpGroup g);

// forward, the two halves of a GEMM's backward (dX: nt, dW: tn), recomputation of forward ops
// during backward, and the optimizer update.
enum class Phase { forward, backward_data, backward_weight, recompute, optimizer };
std::string phase_name(Phase p);

enum class Timing { gemm, attention, memory };

struct Op {
    std::string name;  // "attn.qkv", "mlp.down", ...
    OpGroup group = OpGroup::qkv;
    Phase phase = Phase::forward;
    Timing timing = Timing::gemm;
    GemmQuery gemm;
    AttentionQuery attn;
    MemQuery mem;
    // Model FLOPs (MFU numerator): GEMMs 2MNK; attention with exact causal pairs, backward 2.5 x
    // forward (core/flops.hpp). Recomputation has none: it is not useful work.
    double model_flops = 0;
    double model_flops_noncausal = 0;  // the same with every (query, key) pair counted
    double executed_flops = 0;         // matmul FLOPs the kernels run (HFU numerator)
    double other_flops = 0;  // elementwise/norm/softmax/optimizer arithmetic, never in MFU
    double repeat = 1;       // times per micro-batch on this device (layers per stage)
    bool fp8 = false;        // GEMM run at the FP8 rate (TrainingSetup::fp8)
};

// A tensor kept from forward to backward (per layer, per micro-batch): named, so a tensor two
// ops need is counted once.
struct Saved {
    std::string name;
    double bytes = 0;
};

struct OpList {
    std::vector<Op> ops;
    std::vector<Saved>
        saved_per_layer;  // activations one layer (of the last kind built) keeps for backward
    double saved_layers_total = 0;    // all layers of the stage together, per micro-batch in flight
    double saved_outside_layers = 0;  // embedding output, logits (first/last stage)
    // Full recomputation: one layer's whole forward set lives while that layer is recomputed and
    // run backward, once per device (not per micro-batch in flight).
    double recompute_working_set = 0;
};

}  // namespace flopmeter::cost
