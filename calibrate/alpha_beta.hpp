// One segment of a piecewise latency-bandwidth (alpha-beta) model of a collective's time:
// t(bytes) = alpha + beta * bytes over the measured sizes [min_bytes, max_bytes]. Written by
// `calibrate --comm` (comm/comm_series.cpp fits it), kept in profiles (CommFit) and read by
// the profile predictor.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace flopmeter {

struct AlphaBetaSegment {
    std::int64_t min_bytes = 0, max_bytes = 0;  // the measured sizes it covers
    double alpha_s = 0, beta_s_per_byte = 0;
    double seconds(double bytes) const { return alpha_s + beta_s_per_byte * bytes; }
};

// The segment whose size range holds bytes, else the nearest one (by log distance); nullptr
// when there are none. Segments are sorted by size.
inline const AlphaBetaSegment* segment_for(const std::vector<AlphaBetaSegment>& segments,
                                           double bytes) {
    const AlphaBetaSegment* best = nullptr;
    double best_d = 0;
    for (const auto& s : segments) {
        double d = 0;
        if (bytes < double(s.min_bytes))
            d = std::log(double(s.min_bytes) / bytes);
        else if (bytes > double(s.max_bytes))
            d = std::log(bytes / double(s.max_bytes));
        if (!best || d < best_d) {
            best = &s;
            best_d = d;
        }
    }
    return best;
}

}  // namespace flopmeter
