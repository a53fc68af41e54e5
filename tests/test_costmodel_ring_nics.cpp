// Ring collectives across nodes run one ring per NIC of the group's ranks on a node, so a group
// that fills its nodes sees the node's NICs side by side (NCCL: 192 GB/s all-reduce bus bandwidth
// on DGX A100 with 8 x 25 GB/s NICs, NVIDIA/nccl issue #812), capped by NVLink.
#include <catch2/catch.hpp>

#include "calibrate/profile_store.hpp"
#include "costmodel/presets.hpp"
#include "costmodel/training_estimate.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

TEST_CASE("inter-node rings use the NICs of the group's ranks on each node", "[costmodel][comm]") {
    auto p = load_predictor("h100-sxm");  // NVLink 450 GB/s, one 50 GB/s NIC per GPU, 8 per node
    const double lat = 15 * 10e-6;        // 15 ring steps of the datasheet's 10 us
    auto gather = [&](int per_node) {
        return p->comm(CommQuery{Collective::all_gather, 1e9, 16, true, per_node}).seconds;
    };
    CHECK(gather(1) == Approx(15.0 / 16 * 1e9 / (50e9 * 0.8) + lat));
    CHECK(gather(8) == Approx(15.0 / 16 * 1e9 / (400e9 * 0.8) + lat));
    CHECK(gather(16) == Approx(15.0 / 16 * 1e9 / (450e9 * 0.8) + lat));  // NVLink caps the sum
    // All-to-all sends each rank's bytes through its own NIC: no sharing.
    const double a1 = p->comm(CommQuery{Collective::all_to_all, 1e9, 16, true, 1}).seconds;
    CHECK(p->comm(CommQuery{Collective::all_to_all, 1e9, 16, true, 8}).seconds == Approx(a1));
}

TEST_CASE(
    "ZeRO-3 over whole nodes: 8 ranks per node share 8 NICs, with tp 4 two ranks per node share "
    "two",
    "[costmodel][comm]") {
    auto p = load_predictor("h100-sxm");
    const ModelConfig& m =
        find_preset("llama2-7b")->model;  // weights large enough that latency is noise
    TrainingSetup s;
    s.tokens = 1e9;
    s.seq_len = 1024;
    s.global_batch = 32;
    s.par.dp = 16;
    s.par.zero = 3;
    const double whole_nodes = estimate_training(m, s, *p, {}).dp_comm_s;
    s.par.dp = 4;
    s.par.tp = 4;
    s.global_batch = 8;  // the same two micro-batches per rank
    const double two_per_node = estimate_training(m, s, *p, {}).dp_comm_s;
    // 16 ranks, 8 per node: the bandwidth term over 8 x 50 GB/s. 4 ranks, 2 per node: over
    // 2 x 50 GB/s, for about a tp-th of the weights (norms are replicated, so not exactly).
    CHECK(whole_nodes > 0);
    const double per_byte16 = 15.0 / 16 / 400,
                 per_byte4 = 3.0 / 4 / 4 / 100;  // ring factor x share / GB/s
    CHECK(two_per_node / whole_nodes == Approx(per_byte4 / per_byte16).epsilon(0.03));
    // Before the fix both groups ran over one 50 GB/s NIC: the ratio was 0.2, not 0.8.
}
