// Layout search (`estimate --tp auto --pp auto`): every parallel layout of N devices that the
// model and batch allow and that fits in memory, estimated on the profile and ranked by step
// time. Brute force over a small grid: tensor-parallel size (divisors of N up to one node),
// pipeline size, ZeRO stage, micro-batch, recomputation and interleaving.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <vector>

#include "calibrate/predictor.hpp"
#include "costmodel/model_config.hpp"
#include "costmodel/workload.hpp"

namespace flopmeter::cost {

struct LayoutCandidate {
    TrainingSetup setup;
    double step_s = 0, tokens_per_s_per_device = 0, mfu = 0, memory_bytes = 0;
};

struct LayoutSearch {
    std::vector<LayoutCandidate> best;  // fastest first (ties: less memory)
    std::size_t evaluated = 0, fitting = 0, refused = 0;
};

// The grid the search walks; `base` gives everything else (model run, tokens, batch, dtype,
// ep, cp, schedule, overlaps). tp or pp already set in `base` (> 0) stay fixed; 0 means search.
struct LayoutGrid {
    int devices = 0;
    std::vector<int> zero_stages{0, 1, 2, 3};
    std::vector<std::int64_t> micro_batches{1, 2, 4, 8};
    std::vector<Recompute> recompute{Recompute::none, Recompute::selective, Recompute::full};
    std::vector<int> virtual_stages{1, 2, 4};
};

// Every setup the grid allows for this model (before estimating): the search's candidates.
std::vector<TrainingSetup> layout_candidates(const ModelConfig& m, const TrainingSetup& base,
                                             const LayoutGrid& g, int devices_per_node);

LayoutSearch search_layouts(const ModelConfig& m, const TrainingSetup& base, const LayoutGrid& g,
                            const Predictor& p, std::size_t top);

void print_layout_search(std::ostream& os, const LayoutSearch& r, const DeviceFacts& f,
                         bool markdown);

}  // namespace flopmeter::cost
