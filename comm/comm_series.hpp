// Measured figures of one collective on one group: per message size the time (maximum over
// ranks of each iteration, then its median and 99th percentile across iterations), algbw and
// busbw; and the latency-bandwidth (alpha-beta) fit over the sizes. Plain data and arithmetic,
// no MPI: the fit and the summaries are unit-tested on synthetic data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibrate/alpha_beta.hpp"
#include "calibrate/predictor.hpp"

namespace flopmeter::comm {

struct SizePoint {
    std::int64_t bytes = 0;  // nccl-tests' size
    int iterations = 0;      // timed (warm-up excluded)
    double time_s = 0;       // median over iterations of the slowest rank's time
    double p99_s = 0, min_s = 0, mean_s = 0;
    double p20_s = 0;             // 20th percentile: what the alpha-beta fit uses (see below)
    double algbw = 0, busbw = 0;  // bytes/s, from time_s
    bool checked = false;         // every rank's output was compared after every iteration
};

// Summarises per-iteration times (each already the maximum over ranks).
SizePoint summarize_point(Collective c, int ranks, std::int64_t bytes,
                          std::vector<double> iteration_max_s);

// t(size) = alpha + beta * size, by least squares with weights 1/t: plain least squares lets
// the largest transfers decide alone (small-message errors of 100-300% on loopback), relative
// errors (1/t^2) let the many latency-bound sizes pull the slope off the large ones; 1/t sits
// between. alpha and beta are kept non-negative. Each size enters with its 20th-percentile
// time, not its median: interference (other work, descheduled ranks) only ever adds time, and
// on a shared machine it reaches past the median of some sizes and bends the line; the fit
// describes the collective, the per-size medians stay as measured.
//
// Real libraries switch protocols (eager to rendezvous, shared-memory copy-in/out to single
// copy) and messages leave the caches, so one line rarely fits every size. The fit is
// therefore piecewise: up to max_segments contiguous size ranges (each of at least 3 sizes),
// each with its own alpha-beta line (the LogGP-style "one line per protocol"); the number of
// segments is chosen by BIC on relative errors, so a second segment appears only where the
// data demand it. r2 (coefficient of determination of the piecewise model over the fitted
// 20th percentiles) and rms_rel_error say how well it does; line_r2 is the single line's R^2 over
// every size. alpha_s and beta_s_per_byte repeat the segment of the largest sizes (the bandwidth
// regime gradient all-reduces live in).
struct AlphaBeta {
    double alpha_s = 0, beta_s_per_byte = 0;
    double r2 = 0, rms_rel_error = 0;
    double line_r2 = 0;
    int points = 0;
    std::vector<AlphaBetaSegment> segments;  // by size, ascending; at least one when points > 0
};
AlphaBeta fit_alpha_beta(const std::vector<SizePoint>& points, int max_segments = 3);

struct Series {
    Collective collective = Collective::all_reduce;
    bool in_place = false;
    int ranks = 2;
    std::string tier;              // "intra_node" or "inter_node"
    int nodes = 1;                 // distinct hosts in the group
    std::vector<int> world_ranks;  // the group's members
    std::string backend;           // "MPI" or "NCCL"
    std::vector<SizePoint> points;
    AlphaBeta fit;
};

nlohmann::ordered_json series_to_json(const Series& s);
nlohmann::ordered_json segments_to_json(const std::vector<AlphaBetaSegment>& segments);

// "64 KiB", "8 B", "1.5 MiB"
std::string bytes_text(double bytes);

}  // namespace flopmeter::comm
