// Quantized formats, the oracle and every quantized kernel (issue 16): each kernel this CPU can
// run is checked against dequantize-then-double on small shapes that cover every format, tile
// remainder (M, N not multiples of the tiles) and group kind (32, 128, per-channel).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "core/flops.hpp"
#include "kernels/quant/qgemm.hpp"
#include "kernels/quant/quant_reference.hpp"

using namespace flopmeter;

namespace {

std::vector<float> randn(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

}  // namespace

TEST_CASE("quant formats: names parse back, bad names and shapes are usage errors", "[quant]") {
    for (const char* s : {"q4_0", "q8_0", "q4_g128", "q8_g128", "q8_g4096", "q4_g256"})
        CHECK(quant_format_name(parse_quant_format(s)) == s);
    CHECK(parse_quant_format("q4_0").group == 32);
    CHECK(parse_quant_format("q8_g128").bits == 8);
    for (const char* s : {"q5_0", "q4", "q4_1", "q4_g", "q4_g64", "q8_g100", "int4", "q4_gx"})
        CHECK_THROWS_AS(parse_quant_format(s), UsageError);
    CHECK_THROWS_AS(check_quant_shape(parse_quant_format("q4_g256"), 8, 384),
                    UsageError);  // 256 does not divide 384
    CHECK_THROWS_AS(check_quant_shape(parse_quant_format("q8_0"), 8, 96),
                    UsageError);  // not a 128 superblock
    CHECK_THROWS_AS(check_quant_shape(parse_quant_format("q8_0"), 0, 128), UsageError);
    CHECK_NOTHROW(check_quant_shape(parse_quant_format("q4_g128"), 3, 384));
}

TEST_CASE("fp16 scales round to nearest even and convert back exactly", "[quant]") {
    for (float f :
         {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604645e-08f, 0.333333f, 1e-3f}) {
        const float back = fp16_to_float(fp16_from_float(f));
        CHECK(std::fabs(back - f) <= std::fabs(f) * 4.9e-4f + 3e-8f);
    }
    CHECK(fp16_from_float(1.0f) == 0x3c00);
    CHECK(fp16_from_float(65504.0f) == 0x7bff);
    CHECK(fp16_from_float(1e6f) == 0x7c00);
    CHECK(fp16_to_float(0x0001) == std::ldexp(1.0f, -24));           // smallest subnormal
    CHECK(fp16_from_float(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);  // tie -> even
    CHECK(fp16_from_float(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);
}

TEST_CASE("quantize_weights: codes in range, error within half a step, layout as documented",
          "[quant]") {
    for (const char* fs : {"q4_0", "q8_0", "q4_g128", "q8_g256"}) {
        const QuantFormat f = parse_quant_format(fs);
        const std::int64_t n = 3, k = 256;
        auto w = randn(std::size_t(n * k), 1);
        const QuantMatrix q = quantize_weights(f, n, k, w.data());
        CHECK(q.codes.size() == std::size_t(n * k * f.bits / 8));
        CHECK(double(q.codes.size() + q.scales.size()) ==
              flops::quant_weight_bytes(n, k, f.bits, f.group));
        const int qmax = quant_qmax(f.bits);
        for (std::int64_t r = 0; r < n; ++r)
            for (std::int64_t c = 0; c < k; ++c) {
                const int code = quant_code(q, r, c);
                CHECK(code >= -qmax - 1);
                CHECK(code <= qmax);
                const double d = fp16_to_float(q.scale(r, c / f.group));
                CHECK(std::fabs(dequant(q, r, c) - w[std::size_t(r * k + c)]) <=
                      0.5 * d * 1.002 + 1e-6);
            }
    }
    // int4 superblock order: element j and j + 64 share byte j.
    std::vector<float> w(128, 0.0f);
    w[3] = 7.0f;    // code 7 -> nibble 15, low
    w[67] = -7.0f;  // code -7 -> nibble 1, high
    const QuantMatrix q = quantize_weights(parse_quant_format("q4_g128"), 1, 128, w.data());
    CHECK(q.codes.as<std::uint8_t>()[3] == std::uint8_t(0x1f));
    CHECK(q.codes.as<std::uint8_t>()[0] == std::uint8_t(0x88));
}

TEST_CASE("tiled packings keep every code and scale, in the documented order", "[quant]") {
    for (const char* fs : {"q4_0", "q8_0", "q4_g128", "q8_g256"})
        for (std::int64_t n : {1, 7, 13, 70})  // N not a multiple of the tile: a short last tile
            for (const QuantPacking p : {QuantPacking{4, false}, QuantPacking{8, false},
                                         QuantPacking{16, true}, QuantPacking{64, true}}) {
                const QuantFormat f = parse_quant_format(fs);
                const std::int64_t k = 768;
                auto w = randn(std::size_t(n * k), 11);
                const QuantMatrix q = quantize_weights(f, n, k, w.data());
                const QuantMatrix t = quant_repack(q, p);
                INFO(fs << " n=" << n << " " << quant_packing_name(p));
                REQUIRE(t.packing == p);
                CHECK(t.codes.size() == q.codes.size());  // the same bytes, no padding
                CHECK(t.scales.size() == q.scales.size());
                bool same = true, rows_same = true;
                std::vector<double> row(static_cast<std::size_t>(k));
                for (std::int64_t r = 0; r < n; ++r) {
                    for (std::int64_t c = 0; c < k; ++c)
                        same &= quant_code(t, r, c) == quant_code(q, r, c);
                    dequant_row(t, r, row.data());  // the oracle's row reader, on any packing
                    for (std::int64_t c = 0; c < k; ++c)
                        rows_same &= row[std::size_t(c)] == dequant(q, r, c);
                    for (std::int64_t g = 0; g < q.groups(); ++g)
                        same &= t.scale(r, g) == q.scale(r, g);
                }
                CHECK(same);
                CHECK(rows_same);
                const QuantMatrix back = quant_repack(t, QuantPacking{});
                CHECK(std::memcmp(back.codes.data(), q.codes.data(), q.codes.size()) == 0);
                CHECK(std::memcmp(back.scales.data(), q.scales.data(), q.scales.size()) == 0);
                const std::uint8_t* tc = t.codes.as<std::uint8_t>();
                const std::uint8_t* qc = q.codes.as<std::uint8_t>();
                const std::int64_t rows0 = std::min<std::int64_t>(p.tile_rows, n);
                if (p.quads) {
                    // Quad p of the tile's rows one after another: row 1's bytes 4..7 follow
                    // quad 0 of all rows0 rows.
                    if (n > 1)
                        CHECK(std::memcmp(tc + rows0 * 4 + 4, qc + q.row_bytes() + 4, 4) == 0);
                    if (n > 1) CHECK(t.scales.as<std::uint16_t>()[rows0] == q.scale(0, 1));
                } else {
                    // Chunk 0 of every row first, row after row.
                    const std::int64_t cb = f.bits == 8 ? 128 : 64;
                    CHECK(std::memcmp(tc + (rows0 - 1) * cb, qc + (rows0 - 1) * q.row_bytes(),
                                      std::size_t(cb)) == 0);
                    if (f.group == 32 && n > 1)  // scale unit: a row's 4 scales of one chunk
                        CHECK(t.scales.as<std::uint16_t>()[4] == q.scale(1, 0));
                }
            }
    CHECK_THROWS_AS(quant_repack(QuantMatrix{}, QuantPacking{0, false}), UsageError);
}

TEST_CASE("a kernel refuses weights packed for another kernel", "[quant]") {
    const std::int64_t n = 16, k = 128;
    auto w = randn(std::size_t(n * k), 12);
    auto x = randn(std::size_t(k), 13);
    const QuantMatrix q = quantize_weights(parse_quant_format("q4_0"), n, k, w.data());
    std::vector<float> y(static_cast<std::size_t>(n), 0.0f);
    QuantActs acts;
    CHECK_THROWS_AS(
        qgemm_run(qgemm_kernel(QuantActivation::fp32, "generic"),
                  quant_repack(q, QuantPacking{8, false}), x.data(), 1, y.data(), acts, 1),
        UsageError);
}

TEST_CASE("activation quantizers of every ISA produce the reference bits", "[quant]") {
    const std::int64_t m = 3, k = 384;
    auto x = randn(std::size_t(m * k), 2);
    x[5] = 0;
    for (std::int64_t i = 128; i < 160; ++i) x[std::size_t(i)] = 0;  // an all-zero group
    for (std::int64_t group : {32, 128, 384}) {
        QuantActs ref;
        ref.reset(m, k, group);
        quantize_acts_generic(x.data(), k, ref, 4, 0, m);
        for (const auto& kern : qgemm_kernels()) {
            if (kern.act != QuantActivation::int8 || !qgemm_kernel_runnable(kern)) continue;
            QuantActs got;
            got.reset(m, k, group);
            kern.quantize_acts(x.data(), k, got, 4, 0, m);
            INFO(kern.name << " group " << group);
            CHECK(std::memcmp(got.q.data(), ref.q.data(), std::size_t(m * k)) == 0);
            CHECK(std::memcmp(got.scale.data(), ref.scale.data(), ref.scale.size()) == 0);
            CHECK(std::memcmp(got.comp.data(), ref.comp.data(), ref.comp.size()) == 0);
            CHECK(std::memcmp(got.group_bias.data(), ref.group_bias.data(),
                              ref.group_bias.size()) == 0);
        }
    }
}

TEST_CASE("the activations' group bias is -offset times each group's code sum", "[quant]") {
    const std::int64_t m = 2, k = 256;
    auto x = randn(std::size_t(m * k), 7);
    for (int bits : {4, 8})
        for (std::int64_t group : {32, 128}) {
            QuantActs a;
            a.reset(m, k, group);
            quantize_acts_generic(x.data(), k, a, bits, 0, m);
            const std::int8_t* q = a.q.as<std::int8_t>();
            for (std::int64_t r = 0; r < m; ++r)
                for (std::int64_t g = 0; g < k / group; ++g) {
                    std::int32_t s = 0;
                    for (std::int64_t l = 0; l < group; ++l) s += q[r * k + group * g + l];
                    INFO("bits " << bits << " group " << group << " row " << r << " group " << g);
                    REQUIRE(a.group_bias.as<std::int32_t>()[r * (k / group) + g] ==
                            -quant_offset(bits) * s);
                }
        }
}

TEST_CASE("every runnable quantized kernel matches the dequantize-then-double oracle", "[quant]") {
    int ran = 0;
    for (const auto& kern : qgemm_kernels()) {
        if (!qgemm_kernel_runnable(kern)) {
            WARN("not runnable on this CPU: " << kern.name);
            continue;
        }
        for (const std::string fs : {"q4_0", "q8_0", "q4_g128", "q8_g128", "q8_pc",
                                     "q4_pc"})       // pc: per-channel, group = K
            for (std::int64_t m : {1, 3, 13})        // 13: two full VNNI row tiles (6) and one left
                for (std::int64_t n : {5, 70, 130})  // 70, 130: 64-row VNNI panels + a short one
                    for (std::int64_t k : {384, 1024}) {  // 1024: a per-channel group of 8 chunks
                        const std::string name =
                            fs.substr(2) == "_pc" ? fs.substr(0, 2) + "_g" + std::to_string(k) : fs;
                        const QuantFormat f = parse_quant_format(name);
                        auto w = randn(std::size_t(n * k), 3);
                        auto x = randn(std::size_t(m * k), 4);
                        const QuantMatrix q =
                            quant_repack(quantize_weights(f, n, k, w.data()), kern.packing);
                        std::vector<float> y(std::size_t(m * n), std::nanf(""));
                        QuantActs acts;
                        qgemm_run(kern, q, x.data(), m, y.data(), acts, 2);
                        std::vector<std::int64_t> rows;
                        for (std::int64_t r = 0; r < m; ++r) rows.push_back(r);
                        const QuantReference ref =
                            quant_gemm_reference(q, x.data(), kern.act, rows);
                        INFO(kern.name << " " << name << " m=" << m << " n=" << n << " k=" << k);
                        CHECK(quant_max_error_ratio(ref, y.data(), n, k) < 1.0);
                        ++ran;
                    }
    }
    CHECK(ran >= 2 * 6 * 3 * 3 * 2);
}

TEST_CASE("the quantized oracle's check fails a wrong result", "[quant]") {
    const std::int64_t m = 2, n = 4, k = 128;
    auto w = randn(std::size_t(n * k), 5);
    auto x = randn(std::size_t(m * k), 6);
    const QuantMatrix q = quantize_weights(parse_quant_format("q4_0"), n, k, w.data());
    std::vector<float> y(std::size_t(m * n));
    QuantActs acts;
    qgemm_run(qgemm_kernel(QuantActivation::fp32), q, x.data(), m, y.data(), acts, 1);
    const QuantReference ref = quant_gemm_reference(q, x.data(), QuantActivation::fp32, {0, 1});
    CHECK(quant_max_error_ratio(ref, y.data(), n, k) < 1.0);
    y[5] += 1e-3f * std::fabs(y[5]) + 1e-3f;
    CHECK(quant_max_error_ratio(ref, y.data(), n, k) > 1.0);
    // The fp32-activation result differs from the int8-activation oracle by the activation
    // quantization error, far above the rounding bound: the variants are not interchangeable.
    const QuantReference ref8 = quant_gemm_reference(q, x.data(), QuantActivation::int8, {0, 1});
    y[5] -= 1e-3f * std::fabs(y[5]) + 1e-3f;
    CHECK(quant_max_error_ratio(ref8, y.data(), n, k) > 1.0);
}

TEST_CASE("quantized FLOP and byte conventions", "[quant][flops]") {
    // Model FLOPs are the GEMM's: dequantization is not a model FLOP.
    CHECK(flops::gemm_model_flops(1, 11008, 4096) == 2.0 * 11008 * 4096);
    CHECK(flops::quant_bits_per_weight(4, 32) == 4.5);
    CHECK(flops::quant_bits_per_weight(8, 32) == 8.5);
    CHECK(flops::quant_bits_per_weight(4, 128) == 4.125);
    // 4096 x 11008 in q4_0: 22.5 MB of codes + 2.8 MB of fp16 scales.
    CHECK(flops::quant_weight_bytes(11008, 4096, 4, 32) == 11008.0 * 4096 / 2 + 11008.0 * 128 * 2);
    CHECK(flops::quant_gemm_bytes(2, 10, 128, 8, 128, 4, 4) ==
          10.0 * 128 + 10.0 * 2 + 2.0 * 128 * 4 + 2.0 * 10 * 4);
    // KV cache: K and V per layer and KV head; int8 with one fp32 scale per cached head vector.
    CHECK(flops::decode_kv_bytes(2, 4, 64, 100, 2.0) == 2.0 * 2 * 4 * 100 * 128);
    CHECK(flops::decode_kv_bytes(2, 4, 64, 100, 1.0, 4.0) == 2.0 * 2 * 4 * 100 * (64 + 4));
}

#include "measure/quant_case.hpp"

TEST_CASE("quant cases: oneDNN's int8 matmul validates where it applies and refuses block formats",
          "[quant]") {
    QuantCaseSpec s{"onednn", parse_quant_format("q8_g256"), QuantActivation::int8, "", 5, 40, 256,
                    1};
    try {
        QuantCase c(s);
        const ValidationReport v = c.validate();
        INFO(v.detail);
        CHECK(v.passed);
        CHECK(c.describe().kernel_set.find("onednn") != std::string::npos);
    } catch (const UnavailableError& e) {
        WARN("oneDNN not available: " << e.what());
        return;
    }
    s.format = parse_quant_format("q4_0");
    CHECK_THROWS_AS(QuantCase(s), UnavailableError);
    QuantCaseSpec own{"own", parse_quant_format("q4_g128"), QuantActivation::int8, "", 9, 33, 256,
                      2};
    QuantCase c(own);
    CHECK(c.validate().passed);
    const CaseResult r = c.describe();
    CHECK(r.model_flops == flops::gemm_model_flops(9, 33, 256));
    CHECK(r.bytes == flops::quant_gemm_bytes(9, 33, 256, 4, 128, 4, 4));
}
