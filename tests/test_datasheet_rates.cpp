// The shaped datasheet rate model: GEMM tile and wave quantization on the SM count, fused
// attention from the FlashAttention-3 paper's H100 measurements, FP8 GEMMs at their own
// efficiency. Mechanics checked on hand-computed cases, not against any published run.
#include <catch2/catch.hpp>

#include "calibrate/datasheet.hpp"
#include "calibrate/datasheet_attention.hpp"
#include "calibrate/gemm_waves.hpp"
#include "calibrate/profile_store.hpp"
#include "core/error.hpp"
#include "costmodel/presets.hpp"
#include "costmodel/training_estimate.hpp"

using namespace flopmeter;

TEST_CASE("GEMM wave quantization: exact on hand-computed cases", "[costmodel][datasheet]") {
    // 17024 = 133 x 128 rows, 256 columns, 132 SMs: 128x256 and 256x128 tiles need 133/134 tiles
    // (2 waves, half the second idle); 128x128 gives 266 tiles in 3 waves: 266 / 396 busy.
    const GemmWaves w = gemm_wave_quantization(17024, 256, 4096, 1, 132);
    CHECK(w.tile_m == 128);
    CHECK(w.tile_n == 128);
    CHECK(w.tiles == 266);
    CHECK(w.waves == 3);
    CHECK(w.efficiency == Approx(266.0 / 396.0));
    // One 128x128 tile with a deep K: split-K into min(132 / 1, 8192 / 256) = 32 slices, one wave.
    const GemmWaves s = gemm_wave_quantization(128, 128, 8192, 1, 132);
    CHECK(s.splits == 32);
    CHECK(s.waves == 1);
    CHECK(s.efficiency == Approx(32.0 / 132.0));
    // A weight gradient (1536 x 1536, K = 49152 tokens): 72 tiles of 128x256 leave 60 SMs idle;
    // 11 K slices make 792 = 6 x 132 work units.
    const GemmWaves dw = gemm_wave_quantization(1536, 1536, 49152, 1, 132);
    CHECK(dw.splits == 11);
    CHECK(dw.efficiency > 0.999);
    // Whole waves lose nothing; an unknown SM count quantizes nothing.
    CHECK(gemm_wave_quantization(128 * 132, 128, 1024, 1, 132).efficiency == Approx(1.0));
    CHECK(gemm_wave_quantization(100, 100, 100, 1, 0).efficiency == 1.0);
    // Batched GEMMs (experts) fill the waves together.
    CHECK(gemm_wave_quantization(128, 128, 128, 132, 132).efficiency == Approx(1.0));
}

TEST_CASE("datasheet GEMMs: a small GEMM gets a lower efficiency than a large one",
          "[costmodel][datasheet]") {
    auto p = load_predictor("h100-sxm");
    const Prediction big = p->gemm(GemmQuery{8192, 8192, 8192, Layout::nn, DType::bf16, 1});
    const Prediction small = p->gemm(GemmQuery{512, 512, 512, Layout::nn, DType::bf16, 1});
    CHECK(small.flops_per_s < big.flops_per_s);
    // 8192^2 in 128x256 tiles: 2048 tiles, 16 waves on 132 SMs; K 8192 against the 400 of a tile's
    // fixed cost.
    CHECK(big.flops_per_s == Approx(989.4e12 * 0.75 * 2048.0 / (16 * 132) * 8192.0 / 8592.0));
    CHECK(small.source.find("SMs busy") != std::string::npos);
    // FP8 GEMMs on an H800: at DeepGEMM's measured shape the model returns the measurement.
    auto h800 = load_predictor("h800");
    GemmQuery q{4096, 7168, 16384, Layout::nn, DType::bf16, 1};
    q.fp8 = true;
    const Prediction f8 = h800->gemm(q);
    CHECK(f8.at_fp8);
    CHECK(f8.flops_per_s == Approx(1358e12));
    q.m = 1024;  // 8 x 28 tiles of 128x256 in 2 waves: 224 / 264 busy
    CHECK(h800->gemm(q).flops_per_s == Approx(1358e12 / (32.0 / 33.0) * 224.0 / 264.0));
    // Short K: the fixed per-tile cost fitted to DeepGEMM's M 4096 N 7168 rows returns its K 2048
    // measurement (1,025 TFLOPS) within 0.2%, and its other K rows within 6%.
    q.m = 4096;
    q.k = 2048;
    CHECK(h800->gemm(q).flops_per_s == Approx(1025e12).epsilon(0.002));
    for (auto [n, k, tflops] :
         {std::tuple{24576, 1536, 990.0}, {32768, 512, 590.0}, {4096, 7168, 1304.0}}) {
        GemmQuery r{4096, n, k, Layout::nn, DType::bf16, 1};
        r.fp8 = true;
        INFO(n << " x " << k);
        CHECK(h800->gemm(r).flops_per_s == Approx(tflops * 1e12).epsilon(0.06));
    }
    // DeepGEMM's grouped MoE rows (4 experts x 8192 tokens, DeepSeek-V3's shapes on EP 64), not
    // used in the fit: 1,297 and 1,099 TFLOPS, within 5%.
    for (auto [n, k, tflops] : {std::tuple{4096, 7168, 1297.0}, {7168, 2048, 1099.0}}) {
        GemmQuery r{8192, n, k, Layout::nn, DType::bf16, 4};
        r.fp8 = true;
        INFO("grouped " << n << " x " << k);
        CHECK(h800->gemm(r).flops_per_s == Approx(tflops * 1e12).epsilon(0.05));
    }
    q.m = 1024;
    q.k = 16384;
    // A profile without a measured FP8 efficiency leaves FP8 to the caller (peak ratio).
    auto a100 = load_predictor("a100-80gb");
    q.dtype = DType::bf16;
    CHECK_FALSE(a100->gemm(q).at_fp8);
}

TEST_CASE("datasheet attention: per kernel, head dim, length and direction on Hopper",
          "[costmodel][datasheet]") {
    using K = AttentionKernel;
    // Grid points are the figures' bars; between them linear in log2(length); held outside.
    CHECK(hopper_attention_tflops(K::fa2, false, false, 128, 2048) == Approx(362));
    CHECK(hopper_attention_tflops(K::fa2, false, false, 128, 2896) == Approx(365).epsilon(1e-3));
    CHECK(hopper_attention_tflops(K::fa2, false, false, 128, 65536) == Approx(370));
    CHECK(hopper_attention_tflops(K::fa2, false, false, 128, 128) == Approx(309));
    // Head dim 192 (MLA's query/key): halfway between the 128 and 256 curves; backward scaled
    // alike.
    CHECK(hopper_attention_tflops(K::fa2, false, false, 192, 16384) == Approx((370 + 326) / 2.0));
    CHECK(hopper_attention_tflops(K::fa2, true, false, 192, 16384) == Approx(322.0 * 348 / 370));
    CHECK(hopper_attention_tflops(K::fa2, false, false, 96, 16384) == Approx((324 + 370) / 2.0));
    // Causal backward: the backward curve x the forward causal / non-causal ratio.
    CHECK(hopper_attention_tflops(K::fa2, true, true, 128, 4096) == Approx(310.0 * 319 / 368));
    // Head dim 64 is slower than 128; short sequences slower than long; FA2 < cuDNN < FA3 at 8k.
    CHECK(hopper_attention_tflops(K::fa2, false, false, 64, 8192) <
          hopper_attention_tflops(K::fa2, false, false, 128, 8192));
    CHECK(hopper_attention_tflops(K::fa2, true, true, 128, 512) <
          hopper_attention_tflops(K::fa2, true, true, 128, 8192));
    CHECK(hopper_attention_tflops(K::fa2, false, true, 128, 8192) <
          hopper_attention_tflops(K::cudnn, false, true, 128, 8192));
    CHECK(hopper_attention_tflops(K::cudnn, false, true, 128, 8192) <
          hopper_attention_tflops(K::fa3, false, true, 128, 8192));
    // Unspecified is cuDNN (Transformer Engine's choice on Hopper).
    CHECK(hopper_attention_tflops(K::unspecified, true, false, 128, 4096) ==
          hopper_attention_tflops(K::cudnn, true, false, 128, 4096));
    CHECK(parse_attention_kernel("fa2") == K::fa2);
    CHECK_THROWS_AS(parse_attention_kernel("fa9"), UsageError);

    // The predictor: an H100 answers from the curves, an A100 (no curves) at the flat factor.
    AttentionQuery q{4, 16, 16, 4096, 4096, 128, 128, true, false, DType::bf16, K::fa2};
    const Prediction h = load_predictor("h100-sxm")->attention(q);
    CHECK(h.flops_per_s == Approx(319e12));
    CHECK(h.source.find("FlashAttention-3 paper") != std::string::npos);
    const Prediction a = load_predictor("a100-80gb")->attention(q);
    CHECK(a.flops_per_s == Approx(312e12 * 0.50));
}

TEST_CASE("the attention kernel reaches the estimate: FA2 slower than cuDNN on an H100",
          "[costmodel][datasheet]") {
    using namespace flopmeter::cost;
    const ModelConfig& m = find_preset("llama2-7b")->model;
    TrainingSetup s;
    s.tokens = 1e9;
    s.seq_len = 4096;
    s.global_batch = 8;
    s.par.dp = 8;
    s.par.zero = 1;
    auto p = load_predictor("h100-sxm");
    const TrainingEstimate def = estimate_training(m, s, *p, {});
    s.attention_kernel = AttentionKernel::cudnn;
    const TrainingEstimate cudnn = estimate_training(m, s, *p, {});
    s.attention_kernel = AttentionKernel::fa2;
    const TrainingEstimate fa2 = estimate_training(m, s, *p, {});
    CHECK(def.step_s == cudnn.step_s);  // the default on Hopper is cuDNN
    CHECK(fa2.step_s > cudnn.step_s);
    CHECK(fa2.step_flops.model_flops == cudnn.step_flops.model_flops);  // only the time changes
    // On an A100 (no measured curves) the kernel changes nothing.
    auto a = load_predictor("a100-80gb");
    CHECK(estimate_training(m, s, *a, {}).step_s ==
          estimate_training(m,
                            [&] {
                                TrainingSetup t = s;
                                t.attention_kernel = AttentionKernel::unspecified;
                                return t;
                            }(),
                            *a, {})
              .step_s);
}
