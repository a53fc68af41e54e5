// Inference estimates on the fake profile: decode bound by the bytes each token reads, weight
// precision, cost per million tokens, refusals.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "costmodel/inference_estimate.hpp"
#include "costmodel/presets.hpp"
#include "tests/test_costmodel_fake.hpp"

using namespace flopmeter;
using namespace flopmeter::cost;

TEST_CASE("decode of a 7B model is bound by weights + KV cache over bandwidth",
          "[costmodel][inference]") {
    test::FakePredictor p;
    p.gemm_rate = 1e15;  // compute far faster than memory: decode must be memory-bound
    p.f.memory_bandwidth = p.bandwidth = 100e9;
    const ModelConfig& m = find_preset("llama2-7b")->model;
    InferenceSetup s;
    s.prompt_tokens = 1000;
    s.output_tokens = 201;  // mean context 1100
    const InferenceEstimate e = estimate_inference(m, s, p, {});
    CHECK(e.memory_bound);
    CHECK(e.mean_context == 1100);
    // KV cache: 2 (K, V) x 32 layers x 4096 x 2 bytes per token of context.
    CHECK(e.kv_bytes_per_step == Approx(1100.0 * 2 * 32 * 4096 * 2));
    // Weights: all but the embedding rows not looked up (untied head is read in full).
    const double weights = (count_params(m).total() - (32000.0 - 1) * 4096) * 2;
    CHECK(e.weight_bytes_per_step == Approx(weights));
    CHECK(e.decode_step_s == Approx((weights + e.kv_bytes_per_step) / 100e9));
    CHECK(e.per_sequence_tokens_per_s == Approx(1.0 / e.decode_step_s));
    // int4 weights read a quarter of the bytes.
    s.weights = WeightPrecision::int4;
    const InferenceEstimate q = estimate_inference(m, s, p, {});
    CHECK(q.weight_bytes_per_step == Approx(weights / 4));
    CHECK(q.decode_tokens_per_s > 3 * e.decode_tokens_per_s);
    // Price: $2/device-hour.
    CHECK(e.dollars_per_million_output == Approx(1e6 / e.decode_tokens_per_s / 3600 * 2.0));
}

TEST_CASE("batching amortises the weights, prefill is compute-bound", "[costmodel][inference]") {
    test::FakePredictor p;
    const ModelConfig& m = find_preset("llama3.1-8b")->model;
    InferenceSetup s;
    const InferenceEstimate one = estimate_inference(m, s, p, {});
    s.batch = 16;
    const InferenceEstimate many = estimate_inference(m, s, p, {});
    CHECK(many.decode_tokens_per_s > 8 * one.decode_tokens_per_s);
    CHECK(many.prefill_tokens_per_s >
          3 * many.decode_tokens_per_s);  // one weight read serves the whole prompt
    CHECK(many.memory.kv_cache == Approx(16 * one.memory.kv_cache));
}

TEST_CASE("bad inference input: one clear error", "[costmodel][inference]") {
    test::FakePredictor p;
    InferenceSetup s;
    s.batch = 0;
    CHECK_THROWS_WITH(estimate_inference(find_preset("gpt2")->model, s, p, {}),
                      Catch::Contains("--batch"));
    s = {};
    s.prompt_tokens = 1000;
    s.output_tokens = 100;
    CHECK_THROWS_WITH(estimate_inference(find_preset("gpt2")->model, s, p, {}),
                      Catch::Contains("1024 positions"));
    s = {};
    CHECK_THROWS_WITH(estimate_inference(find_preset("llama3.1-405b")->model, s, p, {}),
                      Catch::Contains("does not fit"));
    s.tp = 3;
    CHECK_THROWS_WITH(estimate_inference(find_preset("llama2-7b")->model, s, p, {}),
                      Catch::Contains("--tp 3"));
}

TEST_CASE("runtime overhead: every launched op of the decode step costs --op-overhead more",
          "[costmodel][inference][runtime]") {
    test::FakePredictor p;
    const ModelConfig& m = find_preset("gpt2")->model;
    InferenceSetup s;
    s.prompt_tokens = 100;
    s.output_tokens = 1;
    const InferenceEstimate base = estimate_inference(m, s, p, {});
    // GPT-2, counted by hand: per layer norm1, qkv, attention, out projection, residual, norm2,
    // MLP up, GELU, MLP down, residual; outside the layers the embedding lookup, the final
    // norm, the head and its softmax.
    CHECK(base.decode_ops_per_layer == 10);
    CHECK(base.decode_ops_outside_layers == 4);
    CHECK(base.decode_ops == 12 * 10 + 4);
    CHECK(base.decode_overhead_s == 0);
    s.op_overhead_s = 10e-6;
    const InferenceEstimate e = estimate_inference(m, s, p, {});
    CHECK(e.decode_overhead_s == Approx(124 * 10e-6));
    CHECK(e.decode_step_s - base.decode_step_s == Approx(124 * 10e-6));
    CHECK(e.prefill_ops == 124);  // the prompt's one pass launches the same ops once
    CHECK(e.prefill_s - base.prefill_s == Approx(124 * 10e-6));
    CHECK(e.per_sequence_tokens_per_s == Approx(1.0 / e.decode_step_s));
    // Explicit attention (QK^T, softmax, PV as an eager framework runs them): two more.
    InferenceSetup x = s;
    x.attention = AttentionImpl::explicit_matmul;
    const InferenceEstimate ex = estimate_inference(m, x, p, {});
    CHECK(ex.decode_ops_per_layer == 12);
    CHECK(ex.decode_ops == 12 * 12 + 4);
    // A RoPE model adds the rotary op to each layer.
    const InferenceEstimate llama = estimate_inference(find_preset("llama2-7b")->model, s, p, {});
    CHECK(llama.decode_ops_per_layer == 11);
    CHECK(llama.decode_ops == 32 * 11 + 4);
}

TEST_CASE("runtime KV append by concatenation copies the cache every step",
          "[costmodel][inference][runtime]") {
    test::FakePredictor p;
    const ModelConfig& m = find_preset("gpt2")->model;
    InferenceSetup s;
    s.prompt_tokens = 100;
    s.output_tokens = 1;  // mean context 100
    s.op_overhead_s = 5e-6;
    const InferenceEstimate in_place = estimate_inference(m, s, p, {});
    s.kv_append = KvAppend::concat;
    const InferenceEstimate cat = estimate_inference(m, s, p, {});
    // bf16 K and V of 12 layers x 768: read 99 tokens, write 100.
    const double per_token = 2.0 * 12 * 768 * 2;
    CHECK(cat.kv_concat_bytes_per_step == Approx(199 * per_token));
    CHECK(cat.decode_kv_concat_s == Approx(199 * per_token / p.bandwidth));
    CHECK(cat.decode_ops_per_layer == 12);  // torch.cat of K and of V
    CHECK(cat.decode_ops == in_place.decode_ops + 24);
    CHECK(cat.decode_step_s - in_place.decode_step_s ==
          Approx(199 * per_token / p.bandwidth + 24 * 5e-6));
    CHECK(in_place.decode_kv_concat_s == 0);
    s.op_overhead_s = -1e-6;
    CHECK_THROWS_WITH(estimate_inference(m, s, p, {}), Catch::Contains("--op-overhead"));
}
