// What rank 0 prints: per series, nccl-tests-style rows (size, time p50 and p99, algbw,
// busbw, checked), then one row per alpha-beta fit.
#pragma once

#include <ostream>
#include <vector>

#include "comm/comm_series.hpp"

namespace flopmeter::comm {

void print_series(const Series& s, std::ostream& os);
void print_fits(const std::vector<Series>& series, std::ostream& os);
std::string series_label(const Series& s);  // "all_reduce in-place, 4 ranks intra_node (MPI)"
// One progress line: the label, sizes, busbw at the largest size, the fit's R^2.
std::string series_progress(const Series& s);

}  // namespace flopmeter::comm
