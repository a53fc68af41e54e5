// A deterministic Predictor for the cost-model tests: time = FLOPs / rate + bytes / bandwidth,
// communication = bytes moved per rank / link bandwidth. Every number is chosen here, so a test
// can compute the expected estimate by hand.
#pragma once

#include <string>

#include "calibrate/predictor.hpp"
#include "core/flops.hpp"

namespace flopmeter::test {

class FakePredictor : public Predictor {
  public:
    double gemm_rate = 100e12, attention_rate = 50e12, bandwidth = 2e12, link = 100e9;
    DeviceFacts f;

    FakePredictor() {
        f.name = "fake";
        f.kind = "datasheet";
        f.memory_bytes = 80e9;
        f.memory_bandwidth = bandwidth;
        f.tdp_watts = 500;
        f.price_per_hour = 2.0;
        f.bf16_peak = f.fp16_peak = 200e12;
        f.fp32_peak = 50e12;
        f.intra_node_bandwidth = link;
        f.inter_node_bandwidth = link / 4;
        f.devices_per_node = 8;
    }
    const DeviceFacts& facts() const override { return f; }
    Prediction gemm(const GemmQuery& q) const override {
        const double fl = double(q.batch) * flops::gemm_model_flops(q.m, q.n, q.k);
        const double by = double(q.batch) * double(q.m * q.k + q.k * q.n + q.m * q.n) *
                          double(dtype_size(q.dtype));
        const double s = fl / gemm_rate + by / bandwidth;
        return {s, fl / s, "fake gemm"};
    }
    Prediction attention(const AttentionQuery& q) const override {
        flops::AttentionShape a{q.batch, q.heads,    q.kv_heads,  q.seq_q,
                                q.seq_k, q.head_dim, q.value_dim, q.causal};
        const double fl =
            q.backward ? flops::attention_bwd_model_flops(a) : flops::attention_fwd_model_flops(a);
        return {fl / attention_rate, attention_rate, "fake attention"};
    }
    Prediction memory(const MemQuery& q) const override {
        return {q.bytes / bandwidth, 0, "fake memory"};
    }
    Prediction comm(const CommQuery& q) const override {
        // Ring algorithms: all-reduce moves 2(n-1)/n of the buffer per rank, the others (n-1)/n.
        const double n = double(q.ranks);
        double moved = q.bytes * (n - 1) / n;
        if (q.collective == Collective::all_reduce) moved *= 2;
        if (q.collective == Collective::send_recv) moved = q.bytes;
        return {moved / (q.inter_node ? f.inter_node_bandwidth : f.intra_node_bandwidth), 0,
                "fake link"};
    }
};

}  // namespace flopmeter::test
