// Quantized decode in the cost model (issue 16): predicting a quantized matmul from measured
// quant_gemm cases, and the decode step built from those rates.
#include <catch2/catch.hpp>

#include "calibrate/quant_sweep.hpp"
#include "core/flops.hpp"
#include "costmodel/inference_estimate.hpp"
#include "costmodel/presets.hpp"
#include "tests/test_costmodel_fake.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

namespace {

CaseResult measured(std::int64_t m, int bits, std::int64_t group, double seconds) {
    CaseResult r;
    r.op = "quant_gemm";
    r.backend = "own";
    r.name = "q" + std::to_string(bits) + "/m" + std::to_string(m) + "/g" + std::to_string(group);
    r.dims = {{"m", m}, {"n", 11008}, {"k", 4096}};
    r.params = {{"act", "int8"}, {"bits", std::to_string(bits)}, {"group", std::to_string(group)}};
    r.model_flops = flops::gemm_model_flops(m, 11008, 4096);
    r.bytes = flops::quant_gemm_bytes(m, 11008, 4096, bits, group, 4, 4);
    r.measurement.stats.median = seconds;
    return r;
}

}  // namespace

TEST_CASE("quantized matmul predicted from measured time per byte, interpolated in M",
          "[quant][costmodel]") {
    const std::vector<CaseResult> ms = {measured(1, 4, 32, 1e-3), measured(16, 4, 32, 2e-3),
                                        measured(1, 8, 32, 2e-3), measured(1, 4, 128, 0.5e-3)};
    // Same shape and M: the measured time.
    QuantGemmQuery q{1, 11008, 4096, 4, 32, 1};
    CHECK(predict_quant_gemm(ms, q).seconds == Approx(1e-3));
    // A quarter of the weights at M = 1: a quarter of the bytes, same time per byte.
    q.n = 11008 / 4;
    const double spb = 1e-3 / flops::quant_gemm_bytes(1, 11008, 4096, 4, 32, 4, 4);
    CHECK(predict_quant_gemm(ms, q).seconds ==
          Approx(spb * flops::quant_gemm_bytes(1, 2752, 4096, 4, 32, 4, 4)));
    // M = 4 lies halfway (in log M) between 1 and 16.
    q.n = 11008;
    q.m = 4;
    const double spb16 = 2e-3 / flops::quant_gemm_bytes(16, 11008, 4096, 4, 32, 4, 4);
    CHECK(predict_quant_gemm(ms, q).seconds ==
          Approx(0.5 * (spb + spb16) * flops::quant_gemm_bytes(4, 11008, 4096, 4, 32, 4, 4)));
    // Beyond the largest M: no faster than its FLOP rate.
    q.m = 256;
    const double rate16 = flops::gemm_model_flops(16, 11008, 4096) / 2e-3;
    CHECK(predict_quant_gemm(ms, q).seconds >=
          flops::gemm_model_flops(256, 11008, 4096) / rate16 * 0.999);
    // The group measured is preferred; int8 has its own rate; nothing measured -> 0.
    q.m = 1;
    q.group = 128;
    CHECK(predict_quant_gemm(ms, q).seconds == Approx(0.5e-3));
    q.group = 32;
    q.bits = 8;
    CHECK(predict_quant_gemm(ms, q).seconds == Approx(2e-3));
    CHECK(predict_quant_gemm({}, q).seconds == 0);
}

namespace {

// The fake device with measured quantized rates: every weight GEMM streams its packed bytes at
// `quant_bw`.
class QuantFake : public test::FakePredictor {
  public:
    double quant_bw = 20e9;
    Prediction quant_gemm(const QuantGemmQuery& q) const override {
        const double b =
            flops::quant_gemm_bytes(q.m, q.n, q.k, q.bits, q.group, 4, 4) * double(q.batch);
        return {b / quant_bw, 0, "fake quant"};
    }
};

}  // namespace

TEST_CASE("decode with int4/int8 weights uses the measured quantized rates", "[quant][costmodel]") {
    QuantFake p;
    p.gemm_rate = 1e15;
    p.f.memory_bandwidth = p.bandwidth = 40e9;
    const ModelConfig& m = find_preset("llama2-7b")->model;
    InferenceSetup s;
    s.prompt_tokens = 512;
    s.output_tokens = 129;
    s.weights = WeightPrecision::int4;
    const InferenceEstimate e = estimate_inference(m, s, p, {});
    REQUIRE(e.decode_measured_quant);
    // 7 projections per layer + the LM head, q4_0 bytes (4.5 bits per weight) at 20 GB/s.
    const double per_layer = flops::quant_gemm_bytes(1, 4096, 4096, 4, 32, 4, 4) * 4 +
                             flops::quant_gemm_bytes(1, 11008, 4096, 4, 32, 4, 4) * 2 +
                             flops::quant_gemm_bytes(1, 4096, 11008, 4, 32, 4, 4);
    const double head = flops::quant_gemm_bytes(1, 32000, 4096, 4, 32, 4, 4);
    CHECK(e.decode_weights_s == Approx((32 * per_layer + head) / 20e9).epsilon(0.01));
    const double kv_s = e.kv_bytes_per_step / 40e9;
    CHECK(e.decode_step_s == Approx(e.decode_weights_s + std::max(e.decode_compute_s, kv_s)));
    // int8 weights read about twice the bytes.
    s.weights = WeightPrecision::int8;
    const InferenceEstimate e8 = estimate_inference(m, s, p, {});
    CHECK(e8.decode_weights_s / e.decode_weights_s == Approx(8.5 / 4.5).epsilon(0.01));
    // Without measured rates the old bandwidth model stays.
    test::FakePredictor plain;
    CHECK_FALSE(estimate_inference(m, s, plain, {}).decode_measured_quant);
}
