// `calibrate --device cuda` without a GPU: the profile it writes (GPU result records as
// measure/cuda/ makes them: attention dims b/h/kv_h/sq/sk/d/dv, param "direction", ceilings with
// threads 0, HBM bandwidth) is fitted like a CPU one and passes the profile schema.
#include <catch2/catch.hpp>

#include <string>

#include "calibrate/fit.hpp"
#include "calibrate/profile.hpp"
#include "calibrate/profile_predictor.hpp"
#include "core/flops.hpp"
#include "measure/stats.hpp"

using namespace flopmeter;

namespace {

CaseResult timed(CaseResult r, double seconds, bool held_out) {
    r.params.emplace_back("calibration_role", held_out ? "held_out" : "fit");
    r.measurement.samples = {seconds, seconds, seconds};
    r.measurement.stats = summarize(r.measurement.samples);
    r.validated = true;
    return r;
}

// A GPU whose bf16 GEMM takes 8 us + flops / 700 TFLOP/s + bytes / 3 TB/s.
CaseResult gpu_gemm(std::int64_t m, std::int64_t n, std::int64_t k, bool held_out) {
    const auto f = gemm_features(m, n, k, DType::bf16);
    CaseResult r;
    r.op = "gemm";
    r.backend = "cublas";
    r.dtype = "bf16";
    r.name = "cuda/gemm/cublas/bf16/nn/" + std::to_string(m) + "x" + std::to_string(n) + "x" +
             std::to_string(k);
    r.dims = {{"m", m}, {"n", n}, {"k", k}};
    r.params = {
        {"device_kind", "cuda"}, {"layout", "nn"}, {"ab_dtype", "bf16"}, {"c_dtype", "bf16"}};
    r.threads = 0;
    r.model_flops = f[1];
    return timed(r, 8e-6 + f[1] / 700e12 + f[2] / 3e12, held_out);
}

// Flash forward at 400 TFLOP/s plus 10 us.
CaseResult gpu_attention(std::int64_t b, std::int64_t s, bool held_out) {
    const std::int64_t h = 32, kv = 8, d = 128;
    CaseResult r;
    r.op = "attention";
    r.backend = "flash";
    r.dtype = "bf16";
    r.name = "cuda/attention/flash/bf16/fwd/b" + std::to_string(b) + "_sq" + std::to_string(s);
    r.dims = {{"b", b}, {"h", h}, {"kv_h", kv}, {"sq", s}, {"sk", s}, {"d", d}, {"dv", d}};
    r.params = {
        {"device_kind", "cuda"}, {"direction", "fwd"}, {"causal", "false"}, {"layout", "bshd"}};
    r.threads = 0;
    r.model_flops = flops::attention_fwd_model_flops({b, h, kv, s, s, d, d, false});
    return timed(r, 10e-6 + r.model_flops / 400e12, held_out);
}

}  // namespace

TEST_CASE("a GPU profile is fitted from GPU result records and passes the schema",
          "[cuda][calibrate]") {
    DeviceProfile p;
    p.name = "cuda-test";
    p.kind = "measured";
    p.device = "cuda";
    p.mode = "quick";
    p.backends = {"cublas"};
    p.complete = false;
    p.ceilings.push_back(
        {"bf16", 790e12, 0, "cublas 8192x8192x8192 (tensor_gemm)", "measured: median"});
    p.ceilings.push_back({"fp32", 60e12, 0, "fma_fp32 (fma)", "measured: best of 3 trials"});
    p.bandwidth.push_back(
        {"HBM", "copy", 4.2e12, 0.0, std::int64_t(1) << 32, "measured (GPU copy)"});
    p.bandwidth.push_back(
        {"HBM", "triad", 4.1e12, 0.0, std::int64_t(3) << 30, "measured (GPU triad)"});
    p.facts.memory_bandwidth = p.dram_bandwidth();
    p.facts.devices_per_node = 1;
    for (std::int64_t s : {1024, 2048, 4096, 8192}) {
        p.measurements.push_back(gpu_gemm(s, s, s, false));
        p.measurements.push_back(gpu_gemm(s, 4 * s, s, false));
    }
    p.measurements.push_back(gpu_gemm(3072, 3072, 3072, true));
    for (std::int64_t b : {1, 2, 4})
        for (std::int64_t s : {1024, 4096}) p.measurements.push_back(gpu_attention(b, s, false));
    p.measurements.push_back(gpu_attention(2, 2048, true));
    fit_profile(p);
    p.complete = true;

    CHECK(p.facts.memory_bandwidth == 4.1e12);  // HBM triad (no read kernel on the GPU)
    CHECK(p.rate_model.find("gemm/cublas/bf16/nn") != nullptr);
    CHECK(p.rate_model.find("attention/flash/bf16/fwd/full") != nullptr);
    REQUIRE(p.held_out_summary.size() == 2);
    for (const auto& s : p.held_out_summary) CHECK(s.median_abs_error < 0.02);

    const auto j = profile_to_json(p);
    const DeviceProfile back = profile_from_json(j);  // the schema check
    CHECK(back.device == "cuda");
    CHECK(back.ceiling("bf16") == 790e12);
    CHECK(back.measurements.size() == p.measurements.size());

    // The GEMM rate comes from the GPU's model (the default backend is the profile's first).
    const auto pred = make_profile_predictor(back);
    const Prediction g = pred->gemm(GemmQuery{4096, 4096, 4096, Layout::nn, DType::bf16, 1});
    CHECK(g.seconds == Approx(gpu_gemm(4096, 4096, 4096, false).seconds()).epsilon(0.02));
    // Attention comes from the GPU's flash model, not the GEMM fallback.
    AttentionQuery q;
    q.batch = 2;
    q.heads = 32;
    q.kv_heads = 8;
    q.seq_q = q.seq_k = 2048;
    q.head_dim = q.value_dim = 128;
    q.causal = false;
    q.dtype = DType::bf16;
    const Prediction a = pred->attention(q);
    CHECK(a.source.find("attention/flash/bf16/fwd/full") != std::string::npos);
    CHECK(a.seconds == Approx(10e-6 + attention_query_flops(q) / 400e12).epsilon(0.05));
}
