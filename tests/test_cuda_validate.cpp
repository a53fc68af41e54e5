// The GPU validators, NVML-absent handling, GPU provenance and roofline JSON, and the
// calibration sweep plan: host logic of the GPU path, tested on the CPU in every build. The
// validators are fed synthetic "GPU outputs" (correct ones, rounded like the device would, and
// wrong ones) so each test can fail.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "core/bf16.hpp"
#include "kernels/cuda/common/host_float.hpp"
#include "measure/cuda/cuda_sweep.hpp"
#include "measure/cuda/gpu_attention_validate.hpp"
#include "measure/cuda/gpu_gemm_validate.hpp"
#include "measure/cuda/gpu_provenance.hpp"
#include "measure/cuda/nvml.hpp"
#include "measure/cuda/roofline/cuda_roofline.hpp"

using namespace flopmeter;

namespace {

float round_bf16(float x) {
    return float(bf16(x));
}
float round_tf32_trunc(float x) {
    std::uint32_t u = cuda_host::float_bits(x);
    u &= 0xffffe000u;  // keep 10 mantissa bits, as the tensor cores read fp32 data in tf32 mode
    return cuda_host::bits_float(u);
}

struct GemmData {
    GpuGemmProblem p;
    std::vector<float> a, b, c0, c;
};

// Inputs uniform in [-1, 1] rounded to the mode's input format, and C computed the way the GPU
// would (tf32: from truncated inputs; fp32 accumulation), stored in the output format.
GemmData make_gemm(GpuGemmProblem p, std::uint64_t seed) {
    GemmData d{p, {}, {}, {}, {}};
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    auto in = [&](float x) { return p.mode == GemmMode::bf16 ? round_bf16(x) : x; };
    d.a.resize(std::size_t(p.m * p.k));
    d.b.resize(std::size_t(p.k * p.n));
    d.c0.resize(std::size_t(p.m * p.n));
    for (auto& x : d.a) x = in(u(rng));
    for (auto& x : d.b) x = in(u(rng));
    for (auto& x : d.c0) x = p.mode == GemmMode::bf16 ? round_bf16(u(rng)) : u(rng);
    const std::int64_t lda = gpu_gemm_lda(p), ldb = gpu_gemm_ldb(p);
    const bool ta = layout_trans_a(p.layout), tb = layout_trans_b(p.layout);
    d.c.resize(d.c0.size());
    for (std::int64_t i = 0; i < p.m; ++i)
        for (std::int64_t j = 0; j < p.n; ++j) {
            float acc = 0;
            for (std::int64_t k = 0; k < p.k; ++k) {
                float x = ta ? d.a[std::size_t(k * lda + i)] : d.a[std::size_t(i * lda + k)];
                float y = tb ? d.b[std::size_t(j * ldb + k)] : d.b[std::size_t(k * ldb + j)];
                if (p.mode == GemmMode::tf32) {
                    x = round_tf32_trunc(x);
                    y = round_tf32_trunc(y);
                }
                acc = std::fma(x, y, acc);
            }
            float out = float(p.alpha) * acc + float(p.beta) * d.c0[std::size_t(i * p.n + j)];
            if (p.mode == GemmMode::bf16) out = round_bf16(out);
            d.c[std::size_t(i * p.n + j)] = out;
        }
    return d;
}

ValidationReport check(const GemmData& d) {
    return validate_gpu_gemm(d.p, d.a.data(), d.b.data(), d.c0.data(), d.c.data());
}

}  // namespace

TEST_CASE("GPU GEMM validator accepts device-like results and rejects wrong ones",
          "[cuda][validate]") {
    for (GemmMode mode : {GemmMode::fp32, GemmMode::tf32, GemmMode::bf16})
        for (Layout l : {Layout::nn, Layout::nt, Layout::tn})
            for (double beta : {0.0, 0.5}) {
                GemmData d = make_gemm(GpuGemmProblem{37, 29, 300, l, mode, 1.5, beta}, 42);
                INFO(describe(d.p) << " beta " << beta);
                const ValidationReport ok = check(d);
                INFO(ok.detail);
                CHECK(ok.passed);
                CHECK(ok.checked == 37 * 29);
                // One entry off by 2% of its magnitude (well above every rounding bound).
                GemmData bad = d;
                bad.c[100] += 0.02f * (std::fabs(bad.c[100]) + 1.0f);
                CHECK_FALSE(check(bad).passed);
                // An unwritten (NaN-poisoned) entry.
                bad = d;
                bad.c[5] = NAN;
                const ValidationReport nan = check(bad);
                CHECK_FALSE(nan.passed);
                CHECK(nan.detail.find("not finite") != std::string::npos);
            }
}

TEST_CASE("GPU GEMM validator catches a dropped k term (fp32) and a transposed operand",
          "[cuda][validate]") {
    GemmData d = make_gemm(GpuGemmProblem{16, 16, 1024, Layout::nn, GemmMode::fp32, 1.0, 0.0}, 3);
    GemmData dropped = d;
    for (std::int64_t i = 0; i < 16; ++i)
        for (std::int64_t j = 0; j < 16; ++j)
            dropped.c[std::size_t(i * 16 + j)] -=
                d.a[std::size_t(i * 1024 + 1023)] * d.b[std::size_t(1023 * 16 + j)];
    CHECK_FALSE(check(dropped).passed);
    // The same data read as layout nt (B transposed) is a different product.
    GemmData sq = make_gemm(GpuGemmProblem{32, 32, 32, Layout::nn, GemmMode::bf16, 1.0, 0.0}, 4);
    sq.p.layout = Layout::nt;
    CHECK_FALSE(check(sq).passed);
}

TEST_CASE("GPU GEMM tolerances follow the arithmetic of each mode", "[cuda][validate]") {
    CHECK(gpu_gemm_tolerance(GemmMode::fp32).u_in == 0.0);
    CHECK(gpu_gemm_tolerance(GemmMode::tf32).u_in == std::ldexp(1.0, -10));
    CHECK(gpu_gemm_tolerance(GemmMode::bf16).u_out == std::ldexp(1.0, -8));
    CHECK(gpu_gemm_tolerance(GemmMode::fp16).u_out == std::ldexp(1.0, -11));
    CHECK(gpu_gemm_tolerance(GemmMode::fp8).acc_l2);
}

namespace {

// Naive double-precision attention forward/backward in BSHD layout (independent of the
// validator's code), with O rounded like the device stores it.
struct AttnData {
    GpuAttentionProblem p;
    std::vector<float> q, k, v, o, lse, d_o, dq, dk, dv;
};

AttnData make_attention(GpuAttentionProblem p, std::uint64_t seed) {
    AttnData d{p, {}, {}, {}, {}, {}, {}, {}, {}, {}};
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    const std::int64_t D = p.head_dim, hpg = p.heads / p.kv_heads;
    auto fill = [&](std::vector<float>& x, std::int64_t n) {
        x.resize(std::size_t(n));
        for (auto& e : x) e = round_bf16(u(rng));
    };
    fill(d.q, attn_q_elems(p));
    fill(d.k, attn_kv_elems(p));
    fill(d.v, attn_kv_elems(p));
    fill(d.d_o, attn_q_elems(p));
    d.o.assign(d.q.size(), 0.f);
    d.dq.assign(d.q.size(), 0.f);
    d.lse.assign(std::size_t(attn_lse_elems(p)), 0.f);
    std::vector<double> dk(d.k.size(), 0.0), dv(d.v.size(), 0.0);
    const double scale = 1.0 / std::sqrt(double(D));
    auto qi = [&](std::int64_t b, std::int64_t s, std::int64_t h) {
        return std::size_t(((b * p.seq_q + s) * p.heads + h) * D);
    };
    auto ki = [&](std::int64_t b, std::int64_t s, std::int64_t g) {
        return std::size_t(((b * p.seq_k + s) * p.kv_heads + g) * D);
    };
    for (std::int64_t b = 0; b < p.batch; ++b)
        for (std::int64_t h = 0; h < p.heads; ++h)
            for (std::int64_t s = 0; s < p.seq_q; ++s) {
                const std::int64_t g = h / hpg;
                const std::int64_t kend =
                    p.causal ? std::min(p.seq_k, s + p.seq_k - p.seq_q + 1) : p.seq_k;
                const auto nk = static_cast<std::size_t>(kend);
                std::vector<double> sc(nk), pr(nk), dp(nk);
                double mx = -1e300;
                for (std::int64_t j = 0; j < kend; ++j) {
                    double x = 0;
                    for (std::int64_t e = 0; e < D; ++e)
                        x += double(d.q[qi(b, s, h) + e]) * d.k[ki(b, j, g) + e];
                    sc[std::size_t(j)] = x * scale;
                    mx = std::max(mx, x * scale);
                }
                double l = 0;
                for (std::int64_t j = 0; j < kend; ++j) l += std::exp(sc[std::size_t(j)] - mx);
                double delta = 0;
                for (std::int64_t j = 0; j < kend; ++j) {
                    pr[std::size_t(j)] = std::exp(sc[std::size_t(j)] - mx) / l;
                    double x = 0;
                    for (std::int64_t e = 0; e < D; ++e)
                        x += double(d.d_o[qi(b, s, h) + e]) * d.v[ki(b, j, g) + e];
                    dp[std::size_t(j)] = x;
                    delta += pr[std::size_t(j)] * x;
                }
                d.lse[std::size_t((b * p.heads + h) * p.seq_q + s)] = float(mx + std::log(l));
                for (std::int64_t e = 0; e < D; ++e) {
                    double o = 0, gq = 0;
                    for (std::int64_t j = 0; j < kend; ++j) {
                        o += pr[std::size_t(j)] * d.v[ki(b, j, g) + e];
                        gq += scale * pr[std::size_t(j)] * (dp[std::size_t(j)] - delta) *
                              d.k[ki(b, j, g) + e];
                    }
                    d.o[qi(b, s, h) + e] = round_bf16(float(o));
                    d.dq[qi(b, s, h) + e] = round_bf16(float(gq));
                }
                for (std::int64_t j = 0; j < kend; ++j)
                    for (std::int64_t e = 0; e < D; ++e) {
                        dv[ki(b, j, g) + e] += pr[std::size_t(j)] * d.d_o[qi(b, s, h) + e];
                        dk[ki(b, j, g) + e] += scale * pr[std::size_t(j)] *
                                               (dp[std::size_t(j)] - delta) * d.q[qi(b, s, h) + e];
                    }
            }
    d.dk.resize(dk.size());
    d.dv.resize(dv.size());
    for (std::size_t i = 0; i < dk.size(); ++i) {
        d.dk[i] = round_bf16(float(dk[i]));
        d.dv[i] = round_bf16(float(dv[i]));
    }
    return d;
}

}  // namespace

TEST_CASE("GPU attention validators accept the reference and reject wrong results",
          "[cuda][validate]") {
    for (bool causal : {false, true}) {
        const GpuAttentionProblem p{2, 4, 2, 37, 53, 64, causal, false, GpuStorage::bf16};
        const AttnData d = make_attention(p, causal ? 7 : 8);
        INFO("causal " << causal);
        const ValidationReport f = validate_gpu_attention_fwd(p, d.q.data(), d.k.data(), d.v.data(),
                                                              d.o.data(), d.lse.data());
        INFO(f.detail);
        CHECK(f.passed);
        CHECK(f.checked == 2 * 4 * 37 * 65);
        AttnData bad = d;
        bad.o[1000] += 0.05f;
        CHECK_FALSE(validate_gpu_attention_fwd(p, bad.q.data(), bad.k.data(), bad.v.data(),
                                               bad.o.data(), bad.lse.data())
                        .passed);
        bad = d;
        bad.lse[3] += 0.01f;
        CHECK_FALSE(validate_gpu_attention_fwd(p, bad.q.data(), bad.k.data(), bad.v.data(),
                                               bad.o.data(), bad.lse.data())
                        .passed);

        const ValidationReport b = validate_gpu_attention_bwd(
            p, d.q.data(), d.k.data(), d.v.data(), d.o.data(), d.d_o.data(), d.lse.data(),
            d.dq.data(), d.dk.data(), d.dv.data());
        INFO(b.detail);
        CHECK(b.passed);
        for (auto which : {&AttnData::dq, &AttnData::dk, &AttnData::dv}) {
            bad = d;
            (bad.*which)[17] += 0.05f;
            CHECK_FALSE(validate_gpu_attention_bwd(p, bad.q.data(), bad.k.data(), bad.v.data(),
                                                   bad.o.data(), bad.d_o.data(), bad.lse.data(),
                                                   bad.dq.data(), bad.dk.data(), bad.dv.data())
                            .passed);
        }
        bad = d;
        bad.dk[0] = NAN;
        const ValidationReport nan = validate_gpu_attention_bwd(
            p, bad.q.data(), bad.k.data(), bad.v.data(), bad.o.data(), bad.d_o.data(),
            bad.lse.data(), bad.dq.data(), bad.dk.data(), bad.dv.data());
        CHECK_FALSE(nan.passed);
        CHECK(nan.detail.find("not finite") != std::string::npos);
    }
    // A non-causal result judged as causal is wrong.
    const GpuAttentionProblem nc{1, 2, 2, 40, 40, 64, false, false, GpuStorage::bf16};
    const AttnData d = make_attention(nc, 9);
    GpuAttentionProblem as_causal = nc;
    as_causal.causal = true;
    CHECK_FALSE(validate_gpu_attention_fwd(as_causal, d.q.data(), d.k.data(), d.v.data(),
                                           d.o.data(), d.lse.data())
                    .passed);
}

// ---- NVML, provenance, roofline JSON, the sweep plan ------------------------------------------

TEST_CASE("NVML absent: a reason, no readings, nothing throws", "[cuda][nvml]") {
    Nvml n("libflopmeter-no-such-nvml.so.1");
    CHECK_FALSE(n.available());
    CHECK(n.reason().find("cannot load libflopmeter-no-such-nvml.so.1") != std::string::npos);
    CHECK_FALSE(n.bind_device("GPU-0", "0000:00:00.0"));
    CHECK_FALSE(n.read_clocks().ok);
    CHECK_FALSE(n.power_w());
    CHECK_FALSE(n.energy_j());
    CHECK(n.driver_version().empty());
}

TEST_CASE("NVML clock-event reasons decode to names, and slowdowns are told apart",
          "[cuda][nvml]") {
    CHECK(decode_clock_reasons(0).empty());
    CHECK(decode_clock_reasons(kNvmlReasonSwPowerCap | kNvmlReasonHwThermal) ==
          std::vector<std::string>{"sw_power_cap", "hw_thermal"});
    CHECK(decode_clock_reasons(0x1000) == std::vector<std::string>{"0x1000"});
    CHECK((kNvmlSlowdownMask & kNvmlReasonGpuIdle) == 0);
    CHECK((kNvmlSlowdownMask & kNvmlReasonAppClocks) == 0);
    CHECK((kNvmlSlowdownMask & kNvmlReasonHwPowerBrake) != 0);
}

TEST_CASE("GPU provenance and roofline round-trip through JSON", "[cuda][json]") {
    GpuProvenance g;
    g.name = "NVIDIA H200";
    g.uuid = "GPU-01234567-89ab-cdef-0123-456789abcdef";
    g.cc_major = 9;
    g.sms = 132;
    g.memory_bytes = 150ll << 30;
    g.l2_bytes = 60ll << 20;
    g.driver_version = "580.95.05";
    g.cuda_runtime = "13.0";
    g.cublas = "13.0.0";
    g.cudnn = "not found";
    g.nvml = false;
    g.nvml_reason = "NVML not available: cannot load libnvidia-ml.so.1";
    const GpuProvenance back = gpu_provenance_from_json(gpu_provenance_to_json(g));
    CHECK(back.name == g.name);
    CHECK(back.cc_major == 9);
    CHECK(back.cc_minor == 0);
    CHECK(back.memory_bytes == g.memory_bytes);
    CHECK(back.nvml_reason == g.nvml_reason);
    CHECK(back.fingerprint() == g.fingerprint());
    GpuProvenance other = g;
    other.sms = 114;
    CHECK(other.fingerprint() != g.fingerprint());
    CHECK_THROWS_AS(gpu_provenance_from_json(nlohmann::ordered_json::object()), UsageError);
    CHECK(cuda_version_text(13000) == "13.0");
    CHECK(cuda_version_text(12080) == "12.8");
    CHECK(cudnn_version_text(90100) == "9.1.0");
    CHECK(cudnn_version_text(8907) == "8.9.7");

    CudaRoofline r;
    r.device = g;
    r.ceilings = {
        {"bf16", "tensor_gemm", 7.9e14, "cuBLASLt", "cuBLAS bf16 nt 8192x8192x8192", 0.004},
        {"fp32", "fma", 6.6e13, "fma_probe fp32", "best of 5", 0.01},
        {"fp32", "simt_gemm", 5.1e13, "cuBLASLt", "cuBLAS fp32", 0.01}};
    r.bandwidth = {{"HBM", "copy", 4.3e12, 2ll << 30, 0.01}};
    const CudaRoofline rb = cuda_roofline_from_json(cuda_roofline_to_json(r));
    REQUIRE(rb.ceilings.size() == 3);
    CHECK(rb.ceilings[0].flops_per_s == 7.9e14);
    CHECK(rb.bandwidth.at(0).kernel == "copy");
    CHECK(cuda_ceiling_map(rb).at("fp32") == 6.6e13);  // the higher of FMA and SGEMM
    CHECK_THROWS_AS(
        cuda_roofline_from_json(nlohmann::ordered_json{{"schema", "flopmeter.results"}}),
        UsageError);
}

TEST_CASE("GPU calibration sweep plan: unique names, the targets, fp8 in nt, held-out cases",
          "[cuda][sweep]") {
    CudaSweepOptions o;
    o.gemm_backends = {"cublas", "own"};
    const auto plan = plan_cuda_sweep(o);
    std::set<std::string> names;
    int held = 0, fp8 = 0, att = 0, decode = 0;
    for (const auto& c : plan) {
        CHECK(names.insert(c.name).second);
        held += c.held_out;
        if (c.op == "gemm" && c.gemm.mode == GemmMode::fp8) {
            ++fp8;
            CHECK(c.gemm.layout == Layout::nt);
        }
        if (c.op == "attention") {
            ++att;
            check_gpu_attention_problem(c.attention);
            decode += c.attention.seq_q == 1;
        } else {
            check_gpu_gemm_problem(c.gemm);
        }
    }
    CHECK(names.count("cuda/gemm/cublas/bf16/nn/8192x8192x8192"));
    CHECK(names.count("cuda/gemm/own/bf16/nn/8192x8192x8192"));
    CHECK(names.count("cuda/attention/flash/bf16/fwd/b4_h32_kv32_sq4096_sk4096_d128"));
    CHECK(names.count("cuda/attention/flash/bf16/bwd/b4_h32_kv8_sq4096_sk4096_d128_causal"));
    CHECK(fp8 > 0);
    CHECK(decode > 0);
    CHECK(att > 0);
    CHECK(held >= int(plan.size()) / 6);
    CHECK(held <= int(plan.size()) / 4);
    CudaSweepOptions bad;
    bad.mode = "huge";
    CHECK_THROWS_WITH(plan_cuda_sweep(bad), Catch::Contains("valid: smoke, quick, full"));
    CudaSweepOptions smoke;
    smoke.mode = "smoke";
    CHECK(plan_cuda_sweep(smoke).size() < 20);
}
