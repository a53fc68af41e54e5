// What each measured collective moves, in nccl-tests' conventions, and the data every rank
// puts in and must get back. Pure arithmetic with no MPI, so the conventions and the data
// check are unit-tested without a launcher, and the MPI and NCCL backends share them.
//
// "size" (bytes) is nccl-tests' size: the whole buffer of an all-reduce or broadcast, the
// gathered (full) buffer of a reduce-scatter or all-gather, the send buffer of an all-to-all
// (one chunk per rank), the message of a send/recv. algbw = size / time, and
// busbw = algbw x 2(n-1)/n (all-reduce), (n-1)/n (reduce-scatter, all-gather, all-to-all),
// 1 (broadcast, send/recv): the per-link rate, comparable across collectives and n.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "calibrate/predictor.hpp"

namespace flopmeter::comm {

// Elements are float32 reduced with a sum: what gradients are.
using Elem = float;
inline constexpr std::int64_t kElemBytes = sizeof(Elem);

struct BufferLayout {
    std::int64_t bytes = 0;  // nccl-tests' size after rounding to whole elements per rank
    std::int64_t chunk =
        0;  // elements per rank block (reduce-scatter, all-gather, all-to-all); else the count
    std::int64_t send = 0;      // elements of the send buffer (out of place)
    std::int64_t recv = 0;      // elements of the receive buffer (out of place)
    std::int64_t in_place = 0;  // elements of the single buffer (in place)
};

// Rounds `bytes` to whole elements (up, at least one per rank block), so 8 B on 4 ranks of a
// reduce-scatter becomes 16 B: the size actually moved is what is reported.
BufferLayout buffer_layout(Collective c, std::int64_t bytes, int ranks);

double bus_factor(Collective c, int ranks);
bool has_in_place(Collective c);  // broadcast is in place only, send/recv out of place only
bool has_out_of_place(Collective c);

std::vector<Collective> all_collectives();
// Accepts the predictor's names and their dash or no-separator spellings ("all-reduce",
// "allreduce").
std::optional<Collective> parse_collective(const std::string& s);

// The value rank `rank` contributes at global element `i`: small integers, so every sum of
// up to ~20000 ranks is exact in float32 whatever the reduction order, and a misrouted or
// missing block shows as a wrong value.
Elem input_value(int rank, std::int64_t i);
inline constexpr Elem kPoison = -1.0f;  // never an input value or a sum of them

// Host views of one rank's buffers for one collective and size; `send` is empty in place.
struct HostBuffers {
    Elem* send = nullptr;
    std::int64_t send_n = 0;
    Elem* recv = nullptr;  // the receive buffer, or the single buffer in place
    std::int64_t recv_n = 0;
};

// Before every iteration: inputs written, outputs poisoned, so an iteration that did nothing
// cannot pass the check on an earlier iteration's result.
void fill_buffers(Collective c, const BufferLayout& l, bool in_place, int rank, int ranks, int root,
                  const HostBuffers& b);

struct CheckResult {
    bool ok = true;
    std::int64_t index = -1;  // first wrong element of the output
    double got = 0, expected = 0;
    std::int64_t wrong = 0;  // how many elements are wrong
    std::string describe() const;
};

// Compares this rank's output with what the collective must produce.
CheckResult check_buffers(Collective c, const BufferLayout& l, bool in_place, int rank, int ranks,
                          int root, const HostBuffers& b);

}  // namespace flopmeter::comm
