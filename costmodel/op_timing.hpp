// Timing a list of ops through the Predictor: every op's seconds come from the profile (a
// calibrated profile's fitted per-shape rates, or a datasheet profile's peak x efficiency), and
// each keeps the Prediction's `source` so an estimate says which measurements it rests on.
#pragma once

#include <array>
#include <vector>

#include "calibrate/predictor.hpp"
#include "costmodel/ops.hpp"

namespace flopmeter::cost {

struct TimedOp {
    Op op;
    Prediction pred;  // one occurrence; op.repeat occurrences per micro-batch
    double seconds() const { return pred.seconds * op.repeat; }
};

struct GroupTotals {
    double seconds = 0, model_flops = 0, model_flops_noncausal = 0, executed_flops = 0,
           other_flops = 0;
    GroupTotals& operator+=(const GroupTotals& o);
    GroupTotals scaled(double f) const;
};

struct TimedOps {
    std::vector<TimedOp> ops;
    std::array<GroupTotals, op_group_count> by_group{};
    GroupTotals total;
};

Prediction predict(const Op& op, const Predictor& p);
TimedOps time_ops(const std::vector<Op>& ops, const Predictor& p);

}  // namespace flopmeter::cost
