// The KV cache in the decode step model: its bytes per storage (int8 codes + one fp32 scale per
// token, layer and KV head), read at the measured decode-attention rate for that storage where
// the profile has one, and that rate predicted from calibration's kv_decode measurements.
#include <catch2/catch.hpp>

#include "calibrate/quant_sweep.hpp"
#include "costmodel/inference_estimate.hpp"
#include "costmodel/presets.hpp"
#include "tests/test_costmodel_fake.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

namespace {

CaseResult kv_measured(const std::string& kv, double kv_bytes, double seconds) {
    CaseResult r;
    r.op = "kv_decode";
    r.backend = "own";
    r.name = "attention/own/fp32/fwd/kv-" + kv;
    r.params = {{"kv_cache", kv}, {"kv_bytes", std::to_string(kv_bytes)}};
    r.measurement.stats.median = seconds;
    return r;
}

// The fake device reading an int8 KV cache at kv_rate bytes/s and nothing else measured.
class KvFake : public test::FakePredictor {
  public:
    double kv_rate = 10e9;
    Prediction kv_decode(const KvDecodeQuery& q) const override {
        if (q.kv != "int8") return {};
        return {q.bytes / kv_rate, 0, "fake kv"};
    }
};

}  // namespace

TEST_CASE("KV decode rate predicted from the best measurement of the same storage",
          "[kv][costmodel]") {
    const std::vector<CaseResult> ms = {kv_measured("int8", 8e6, 1e-3),
                                        kv_measured("int8", 8e6, 2e-3),
                                        kv_measured("bf16", 16e6, 1e-3)};
    CHECK(predict_kv_decode(ms, {16e6, "int8"}).seconds == Approx(2e-3));
    CHECK(predict_kv_decode(ms, {16e6, "bf16"}).seconds == Approx(1e-3));
    CHECK(predict_kv_decode(ms, {16e6, "fp32"}).seconds == 0);
    CHECK(predict_kv_decode({}, {16e6, "int8"}).seconds == 0);
}

TEST_CASE("decode reads an int8 KV cache as codes plus scales at the measured rate",
          "[kv][costmodel]") {
    KvFake p;
    p.gemm_rate = 1e15;
    p.f.memory_bandwidth = p.bandwidth = 40e9;
    const ModelConfig& m = find_preset("llama2-7b")->model;
    InferenceSetup s;
    s.prompt_tokens = 512;
    s.output_tokens = 129;
    const InferenceEstimate bf = estimate_inference(m, s, p, {});
    s.kv = KvPrecision::int8;
    const InferenceEstimate i8 = estimate_inference(m, s, p, {});
    // bf16: 2 bytes per element; int8: 1 byte per element + 4 per (token, layer, KV head) vector.
    const double ctx = 512 + 64;
    CHECK(bf.kv_bytes_per_step == Approx(ctx * 2 * 32 * 32 * 128 * 2.0));
    CHECK(i8.kv_bytes_per_step == Approx(ctx * 2 * 32 * 32 * (128 + 4.0)));
    // bf16 has no measured rate here: weights and KV together at the bandwidth; int8: the weights
    // at the bandwidth and the KV cache at the measured 10 GB/s.
    CHECK(bf.decode_memory_s == Approx((bf.weight_bytes_per_step + bf.kv_bytes_per_step) / 40e9));
    CHECK(i8.decode_memory_s ==
          Approx(i8.weight_bytes_per_step / 40e9 + i8.kv_bytes_per_step / 10e9));
    CHECK(i8.memory.kv_cache == Approx(bf.memory.kv_cache * 132.0 / 256.0));
}
