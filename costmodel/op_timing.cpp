#include "costmodel/op_timing.hpp"

#include <cmath>
#include <stdexcept>

namespace flopmeter::cost {

std::string op_group_name(OpGroup g) {
    switch (g) {
        case OpGroup::qkv:
            return "QKV projection";
        case OpGroup::attention:
            return "attention";
        case OpGroup::attn_out:
            return "output projection";
        case OpGroup::mlp:
            return "MLP";
        case OpGroup::router:
            return "MoE routing";
        case OpGroup::lora:
            return "LoRA adapters";
        case OpGroup::norm:
            return "norms";
        case OpGroup::activation:
            return "activations";
        case OpGroup::residual:
            return "residuals";
        case OpGroup::embedding:
            return "embedding";
        case OpGroup::logits:
            return "logits";
        case OpGroup::loss:
            return "loss";
        case OpGroup::optimizer:
            return "optimizer";
        case OpGroup::mtp:
            return "MTP projection";
    }
    return "?";
}

std::string phase_name(Phase p) {
    switch (p) {
        case Phase::forward:
            return "forward";
        case Phase::backward_data:
            return "backward (data)";
        case Phase::backward_weight:
            return "backward (weight)";
        case Phase::recompute:
            return "recompute";
        case Phase::optimizer:
            return "optimizer";
    }
    return "?";
}

GroupTotals& GroupTotals::operator+=(const GroupTotals& o) {
    seconds += o.seconds;
    model_flops += o.model_flops;
    model_flops_noncausal += o.model_flops_noncausal;
    executed_flops += o.executed_flops;
    other_flops += o.other_flops;
    return *this;
}

GroupTotals GroupTotals::scaled(double f) const {
    return {seconds * f, model_flops * f, model_flops_noncausal * f, executed_flops * f,
            other_flops * f};
}

Prediction predict(const Op& op, const Predictor& p) {
    Prediction r;
    switch (op.timing) {
        case Timing::gemm: {
            GemmQuery q = op.gemm;
            q.fp8 = op.fp8;
            r = p.gemm(q);
            if (op.fp8 && !r.at_fp8) {
                // A profile without FP8 rates: its 16-bit time of the same GEMM scaled by the
                // peak ratio (FP8 tensor cores run the same tiles at twice the rate, H100/H800
                // datasheet; operands are half the bytes, so memory-bound GEMMs scale alike).
                const DeviceFacts& f = p.facts();
                const double hi = f.peak_flops(op.gemm.dtype), lo = f.fp8_peak;
                if (hi > 0 && lo > hi) {
                    r.seconds *= hi / lo;
                    r.flops_per_s *= lo / hi;
                    r.source += " x fp8/" + std::string(dtype_name(op.gemm.dtype)) + " peak ratio";
                }
            }
            break;
        }
        case Timing::attention:
            r = p.attention(op.attn);
            break;
        case Timing::memory:
            r = p.memory(op.mem);
            break;
    }
    if (!std::isfinite(r.seconds) || r.seconds < 0)
        throw std::runtime_error("profile predicted a non-finite or negative time for op " +
                                 op.name);
    return r;
}

TimedOps time_ops(const std::vector<Op>& ops, const Predictor& p) {
    TimedOps t;
    t.ops.reserve(ops.size());
    for (const auto& op : ops) {
        TimedOp to{op, predict(op, p)};
        GroupTotals g{to.seconds(), op.model_flops * op.repeat,
                      op.model_flops_noncausal * op.repeat, op.executed_flops * op.repeat,
                      op.other_flops * op.repeat};
        t.by_group[std::size_t(op.group)] += g;
        t.total += g;
        t.ops.push_back(std::move(to));
    }
    return t;
}

}  // namespace flopmeter::cost
