// Change points in a performance history: where the level of a series (log of each run's
// median time) shifts and stays shifted. Exact penalised segmentation (the optimum that PELT
// finds) with a minimum segment length, then a robustness pass: a change must move the
// segment medians by a minimum step and be backed by at least min_segment runs on each side,
// so a single spike or a blip shorter than min_segment is never a change.
#pragma once

#include <cstddef>
#include <vector>

namespace flopmeter {

struct ChangePointOptions {
    std::size_t min_segment = 3;  // runs per segment at least
    double penalty = -1;          // per change point, in units of the noise variance; < 0: 3 ln n
    double min_step = 0.03;       // relative level change a change point must make (3%)
    double min_sigma = 0.002;  // noise floor (log units): a flat series is not infinitely precise
};

struct Segment {
    std::size_t begin = 0, end = 0;  // [begin, end) indices into the series
    double level = 0;                // median of the segment (log units)
};

struct ChangePoints {
    std::vector<std::size_t> at;  // index where each new segment starts
    std::vector<Segment> segments;
    double sigma = 0;  // noise scale used (log units)
    double penalty = 0;
};

// `x` is the series (log median time per run). Fewer than 2*min_segment points: no change.
ChangePoints detect_change_points(const std::vector<double>& x, const ChangePointOptions& o = {});

// Robust noise scale of a series with level shifts: 1.4826 * MAD of successive differences
// / sqrt(2). A shift affects one difference only, so it barely moves the estimate.
double robust_noise_sigma(const std::vector<double>& x);

}  // namespace flopmeter
