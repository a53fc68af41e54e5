// How a calibration spends its time on a noisy machine: every case is measured in several
// short visits spread over the whole run (interleaved passes, each pass a fresh random order
// of all cases), and its samples are pooled, so a slow phase of the host lands on a few
// visits of many cases instead of every sample of a few. Afterwards the points that look
// disturbed are visited again while the time budget lasts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace flopmeter {

struct Visit {
    std::size_t index = 0;  // into the plan
    int pass = 0;
};

// `passes` passes over `cases` cases, each pass a permutation of all of them (seeded, so a
// run can be reproduced); no case is visited twice in a row across a pass boundary when
// there are at least two cases.
std::vector<Visit> interleaved_schedule(std::size_t cases, int passes, std::uint64_t seed);

// One case as the re-measurement step sees it.
struct PointHealth {
    bool contended = false;       // a sample flagged (clock probe, stalled thread, CPU share)
    double flagged_fraction = 0;  // of its samples
    bool fit_point = false;       // fitted on (held-out points are never picked for their error)
    double loo_abs_error = 0;     // fit points: |leave-one-out relative error| against the model
};

struct Remeasure {
    std::size_t index = 0;
    double score = 0;    // >= 1; larger is worse
    std::string reason;  // "contended", "outlier 23%"
};

// Points to measure again, worst first, at most `cap`: every contended point (any role,
// score 1 + flagged fraction) and every fit point whose leave-one-out error exceeds
// `outlier_threshold` (score error / threshold). Held-out points are picked only for
// contention, never for their prediction error, so the held-out check stays a check.
std::vector<Remeasure> pick_remeasure(const std::vector<PointHealth>& points,
                                      double outlier_threshold, std::size_t cap);

}  // namespace flopmeter
