// Every attention backend x dtype x pass x mask x head grouping (MHA, GQA, MQA) x decode is
// validated against the double-precision oracle, the own kernels on every ISA level this CPU
// supports, on shapes that cross the kernels' tile edges. The oracle itself is checked against
// finite differences, and the validation is shown to catch wrong results.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/isa.hpp"
#include "isa_override.hpp"
#include "kernels/attention/attention_backend.hpp"
#include "kernels/attention/attention_reference.hpp"
#include "kernels/attention/attn_exp2.hpp"
#include "kernels/attention/attn_kernels.hpp"
#include "measure/attention_case.hpp"
#include "measure/attention_validate.hpp"

using namespace flopmeter;

namespace {

using test::IsaOverride;

// b, h, g, sq, sk, d, dv (the mask is varied by the callers).
std::vector<flops::AttentionShape> matrix_shapes() {
    return {
        {2, 2, 2, 37, 37, 16, 16, false},  // MHA, square
        {1, 4, 2, 50, 70, 24, 40, false},  // GQA, Sq < Sk, Dv != D
        {1, 3, 1, 70, 50, 32, 32, false},  // MQA, Sq > Sk: causal rows that see no key
        {2, 4, 1, 1, 300, 64, 64, false},  // decode, MQA
        {1, 4, 2, 3, 130, 20, 12, false},  // short decode (Sq <= 4), GQA, ragged dims
    };
}

// Shapes crossing the own kernels' tiles (query tiles of 16/48, key tiles of 32..128, register
// tiles of 4x8..12x32) and the head-dim extremes.
std::vector<flops::AttentionShape> edge_shapes() {
    return {
        {1, 1, 1, 1, 1, 1, 1, false},        {1, 2, 1, 97, 131, 72, 72, false},
        {1, 1, 1, 49, 257, 256, 256, false}, {1, 2, 2, 5, 2, 7, 3, false},
        {1, 2, 1, 130, 100, 33, 17, false},  {1, 8, 2, 2, 517, 128, 128, false},
        {1, 1, 1, 200, 9, 40, 40, false},
    };
}

void check_case(const std::string& backend, flops::AttentionShape s, DType d, AttentionPass pass,
                int threads) {
    AttentionCaseSpec spec;
    spec.backend = backend;
    spec.problem.shape = s;
    spec.problem.dtype = d;
    spec.pass = pass;
    spec.threads = threads;
    AttentionCase c(spec);
    const ValidationReport v = c.validate();
    INFO(attention_case_name(spec) << " [" << c.plan().kernel_set() << "]: " << v.detail);
    CHECK(v.passed);
    CHECK(v.checked > 0);
    CHECK(v.max_error_ratio < 1.0);
}

}  // namespace

namespace {

// One test case per backend x dtype: one this build or machine cannot run shows as skipped in
// ctest ("DEP-SKIP: ..."), never as passed.
void check_attention_backend(const std::string& name, DType d) {
    const AttentionBackend* b = nullptr;
    for (const auto& x : attention_backends())
        if (x.name == name) b = &x;
    REQUIRE(b != nullptr);
    if (auto why = b->unavailable(d)) {
        WARN("DEP-SKIP: attention " << name << " " << dtype_name(d)
                                    << " cannot run here: " << *why);
        return;
    }
    for (auto s : matrix_shapes())
        for (bool causal : {false, true}) {
            s.causal = causal;
            check_case(name, s, d, AttentionPass::fwd, 2);
            check_case(name, s, d, AttentionPass::bwd, 2);
        }
    check_case(name, {1, 2, 1, 20, 30, 16, 16, true}, d, AttentionPass::fwd_bwd, 1);
}

}  // namespace

TEST_CASE("attention backend cases cover every backend x dtype", "[attention][backends]") {
    std::vector<std::string> have;
    for (const auto& b : attention_backends())
        for (DType d : b.dtypes) have.push_back(b.name + "/" + std::string(dtype_name(d)));
    const std::vector<std::string> tested = {"own/fp32",
                                             "own/bf16",
                                             "unfused:own/fp32",
                                             "unfused:own/bf16",
                                             "unfused:openblas/fp32",
                                             "unfused:openblas/bf16",
                                             "reference/fp32",
                                             "reference/bf16"};
    CHECK(have == tested);
}

TEST_CASE("attention own fp32 passes validation (passes, masks, head groupings)",
          "[attention][backends]") {
    check_attention_backend("own", DType::fp32);
}
TEST_CASE("attention own bf16 passes validation (passes, masks, head groupings)",
          "[attention][backends]") {
    check_attention_backend("own", DType::bf16);
}
TEST_CASE("attention unfused:own fp32 passes validation", "[attention][backends]") {
    check_attention_backend("unfused:own", DType::fp32);
}
TEST_CASE("attention unfused:own bf16 passes validation", "[attention][backends]") {
    check_attention_backend("unfused:own", DType::bf16);
}
TEST_CASE("attention unfused:openblas fp32 passes validation", "[attention][backends]") {
    check_attention_backend("unfused:openblas", DType::fp32);
}
TEST_CASE("attention unfused:openblas bf16 passes validation", "[attention][backends]") {
    check_attention_backend("unfused:openblas", DType::bf16);
}
TEST_CASE("attention reference fp32 passes validation", "[attention][backends]") {
    check_attention_backend("reference", DType::fp32);
}
TEST_CASE("attention reference bf16 passes validation", "[attention][backends]") {
    check_attention_backend("reference", DType::bf16);
}

TEST_CASE("own attention passes on every ISA level this CPU supports", "[attention][own][isa]") {
    for (Isa isa : isas_supported()) {
        IsaOverride force(isa);
        const attn::KernelSet& ks = attn::choose_kernel_set(isa);
        {
            AttentionCaseSpec spec;
            spec.problem.shape = {1, 1, 1, 64, 64, 16, 16, false};
            AttentionCase probe(spec);
            CHECK(probe.plan().kernel_set().find(ks.name) != std::string::npos);
        }
        for (DType d : {DType::fp32, DType::bf16})
            for (auto s : edge_shapes())
                for (bool causal : {false, true}) {
                    s.causal = causal;
                    check_case("own", s, d, AttentionPass::fwd, 2);
                    check_case("own", s, d, AttentionPass::bwd, isa == Isa::generic ? 1 : 2);
                }
    }
}

TEST_CASE("own attention kernel sets cover every ISA level", "[attention][own][isa]") {
    const auto sets = attn::kernel_sets_runnable();
    REQUIRE(!sets.empty());
    CHECK(sets.back()->isa == Isa::generic);
    for (const auto* k : sets) {
        CHECK(k->fwd.bq % k->fwd.mr == 0);
        CHECK(k->fwd.bk % k->fwd.nr == 0);
        CHECK(k->bwd.bk % k->bwd.mr == 0);
        CHECK(k->bwd.bk % k->bwd.nr == 0);
    }
}

TEST_CASE("the polynomial exp2 is accurate over the range the kernels use", "[attention][exp]") {
    double worst = 0;
    for (double x = -126.0; x <= 8.0; x += 0.0009765625 * 3.0) {
        const double got = attn::exp2_poly(float(x)), want = std::exp2(double(float(x)));
        worst = std::max(worst, std::fabs(got - want) / want);
    }
    CHECK(worst < 3e-7);  // 7.5e-8 from the fit plus fp32 evaluation
    CHECK(attn::exp2_poly(-std::numeric_limits<float>::infinity()) < 1.2e-38f);
    CHECK(attn::exp2_poly(0.0f) == Approx(1.0).epsilon(2e-7));
}

// Q, K, V and dO of a problem, smooth and distinct (double, for the oracle's own tests).
static std::array<std::vector<double>, 4> smooth_inputs(const AttentionSizes& z) {
    std::array<std::vector<double>, 4> x{
        std::vector<double>(std::size_t(z.q)), std::vector<double>(std::size_t(z.k)),
        std::vector<double>(std::size_t(z.v)), std::vector<double>(std::size_t(z.o))};
    for (std::size_t i = 0; i < x[0].size(); ++i) x[0][i] = std::sin(1.3 * double(i) + 0.2);
    for (std::size_t i = 0; i < x[1].size(); ++i) x[1][i] = std::cos(0.7 * double(i) + 0.1);
    for (std::size_t i = 0; i < x[2].size(); ++i) x[2][i] = std::sin(0.9 * double(i) - 0.4);
    for (std::size_t i = 0; i < x[3].size(); ++i) x[3][i] = std::cos(1.1 * double(i));
    return x;
}

TEST_CASE("the reference backward matches finite differences of the reference forward",
          "[attention][reference]") {
    for (bool causal : {false, true})
        for (auto s : std::vector<flops::AttentionShape>{{1, 2, 1, 3, 4, 3, 2, causal},
                                                         {1, 2, 2, 4, 2, 2, 3, causal}}) {
            const AttentionSizes z = attention_sizes(s);
            auto [q, k, v, d_o] = smooth_inputs(z);
            const double scale = 0.7;
            auto loss = [&] {  // L = sum O * dO
                std::vector<double> o(std::size_t(z.o)), lse(std::size_t(z.lse)),
                    sc(std::size_t(s.seq_k));
                attention_reference_fwd<double, double, double>(
                    s, scale, q.data(), k.data(), v.data(), o.data(), lse.data(), sc.data());
                double l = 0;
                for (std::size_t i = 0; i < o.size(); ++i) l += o[i] * d_o[i];
                return std::make_pair(l, std::make_pair(o, lse));
            };
            auto [l0, fwd] = loss();
            std::vector<double> dq(q.size()), dk(k.size()), dv(v.size());
            std::vector<double> dka(std::size_t(s.seq_k * s.head_dim)),
                dva(std::size_t(s.seq_k * s.value_dim)), dqa(std::size_t(s.head_dim));
            attention_reference_bwd<double, double, double, double>(
                s, scale, q.data(), k.data(), v.data(), fwd.first.data(), d_o.data(),
                fwd.second.data(), dq.data(), dk.data(), dv.data(), dka.data(), dva.data(),
                dqa.data());
            auto check_grad = [&](std::vector<double>& x, const std::vector<double>& g,
                                  const char* what) {
                for (std::size_t i = 0; i < x.size(); ++i) {
                    const double h = 1e-6, keep = x[i];
                    x[i] = keep + h;
                    const double lp = loss().first;
                    x[i] = keep - h;
                    const double lm = loss().first;
                    x[i] = keep;
                    INFO(what << "[" << i << "] causal " << causal);
                    CHECK(g[i] == Approx((lp - lm) / (2 * h)).margin(1e-7));
                }
            };
            check_grad(q, dq, "dQ");
            check_grad(k, dk, "dK");
            check_grad(v, dv, "dV");
            (void)l0;
        }
}

TEST_CASE("the sampled-row backward forms (the GPU check's oracle) match the whole backward",
          "[attention][reference]") {
    for (bool causal : {false, true})
        for (auto s : matrix_shapes()) {
            s.causal = causal;
            const AttentionSizes z = attention_sizes(s);
            auto [q, k, v, d_o] = smooth_inputs(z);
            const double scale = 1.0 / std::sqrt(double(s.head_dim));
            std::vector<double> o(std::size_t(z.o)), lse(std::size_t(z.lse)),
                e(std::size_t(s.seq_k)), dp(std::size_t(s.seq_k));
            attention_reference_fwd<double, double, double>(s, scale, q.data(), k.data(), v.data(),
                                                            o.data(), lse.data(), e.data());
            std::vector<double> dq(q.size()), dk(k.size()), dv(v.size());
            std::vector<double> dka(std::size_t(s.seq_k * s.head_dim)),
                dva(std::size_t(s.seq_k * s.value_dim)), dqa(std::size_t(s.head_dim));
            attention_reference_bwd<double, double, double, double>(
                s, scale, q.data(), k.data(), v.data(), o.data(), d_o.data(), lse.data(), dq.data(),
                dk.data(), dv.data(), dka.data(), dva.data(), dqa.data());
            std::vector<double> row(std::size_t(std::max(s.head_dim, s.value_dim))),
                row2(row.size()), mag(row.size()), mag2(row.size());
            for (std::int64_t b = 0; b < s.batch; ++b) {
                for (std::int64_t h = 0; h < s.heads; ++h)
                    for (std::int64_t i = 0; i < s.seq_q; ++i) {
                        attention_reference_bwd_q_row<double, double>(
                            s, scale, q.data(), k.data(), v.data(), d_o.data(), b, h, i, e.data(),
                            dp.data(), row.data(), mag.data());
                        for (std::int64_t d = 0; d < s.head_dim; ++d) {
                            INFO("dQ b" << b << " h" << h << " i" << i << " d" << d << " causal "
                                        << causal);
                            CHECK(
                                row[std::size_t(d)] ==
                                Approx(dq[std::size_t(
                                           attn_offset(b, i, h, s.seq_q, s.heads, s.head_dim) + d)])
                                    .margin(1e-12));
                            CHECK(mag[std::size_t(d)] >= std::fabs(row[std::size_t(d)]) - 1e-12);
                        }
                    }
                for (std::int64_t g = 0; g < s.kv_heads; ++g)
                    for (std::int64_t j = 0; j < s.seq_k; ++j) {
                        attention_reference_bwd_kv_row<double, double>(
                            s, scale, q.data(), k.data(), v.data(), o.data(), d_o.data(),
                            lse.data(), b, g, j, row.data(), row2.data(), mag.data(), mag2.data());
                        INFO("dK/dV b" << b << " g" << g << " j" << j << " causal " << causal);
                        for (std::int64_t d = 0; d < s.head_dim; ++d)
                            CHECK(
                                row[std::size_t(d)] ==
                                Approx(
                                    dk[std::size_t(
                                        attn_offset(b, j, g, s.seq_k, s.kv_heads, s.head_dim) + d)])
                                    .margin(1e-12));
                        for (std::int64_t c = 0; c < s.value_dim; ++c) {
                            CHECK(row2[std::size_t(c)] ==
                                  Approx(dv[std::size_t(attn_offset(b, j, g, s.seq_k, s.kv_heads,
                                                                    s.value_dim) +
                                                        c)])
                                      .margin(1e-12));
                            CHECK(mag2[std::size_t(c)] >= std::fabs(row2[std::size_t(c)]) - 1e-12);
                        }
                    }
            }
        }
}

TEST_CASE("attention validation catches wrong results", "[attention][validate]") {
    AttentionCaseSpec spec;
    spec.problem.shape = {1, 2, 1, 8, 256, 64, 64, false};
    spec.pass = AttentionPass::bwd;
    AttentionCase c(spec);
    REQUIRE(c.validate().passed);
    const AttentionProblem& p = spec.problem;
    const flops::AttentionShape& s = p.shape;
    AttentionOperands ops = c.operands();
    // Drop one key's contribution from one output element: O[0][3][1] -= P_0j V_j[1].
    std::vector<float> o(ops.o, ops.o + attention_sizes(s).o);
    std::vector<double> scores(std::size_t(s.seq_k)), oref(std::size_t(s.value_dim));
    double lse = 0, l = 0;
    attention_reference_fwd_row<float, double, double>(
        s, attention_scale(p), static_cast<const float*>(ops.q), static_cast<const float*>(ops.k),
        static_cast<const float*>(ops.v), 0, 0, 3, scores.data(), oref.data(), &lse, &l);
    std::size_t jmax = 0;
    const float* v = static_cast<const float*>(ops.v);
    for (std::size_t j = 1; j < scores.size(); ++j)
        if (std::fabs(scores[j] * v[j * 64 + 1]) > std::fabs(scores[jmax] * v[jmax * 64 + 1]))
            jmax = j;
    std::vector<float> wrong = o;
    const std::size_t at = std::size_t(attn_offset(0, 3, 0, s.seq_q, s.heads, s.value_dim) + 1);
    wrong[at] -= float(scores[jmax] / l * v[jmax * 64 + 1]);
    AttentionOperands bad = ops;
    bad.o = wrong.data();
    ValidationReport r = validate_attention_fwd(p, bad, 0.0);
    CHECK_FALSE(r.passed);
    CHECK(r.detail.find("O[b=0][s=3][h=0][1]") != std::string::npos);
    wrong = o;
    wrong[5] = std::numeric_limits<float>::quiet_NaN();
    bad.o = wrong.data();
    CHECK_FALSE(validate_attention_fwd(p, bad, 0.0).passed);
    // LSE off by 1e-4.
    std::vector<float> lse_bad(ops.lse, ops.lse + attention_sizes(s).lse);
    lse_bad[4] += 1e-4f;
    bad = ops;
    bad.lse = lse_bad.data();
    CHECK_FALSE(validate_attention_fwd(p, bad, 0.0).passed);
    // A gradient element off by 0.1% of its value.
    for (float* AttentionOperands::*g :
         {&AttentionOperands::dq, &AttentionOperands::dk, &AttentionOperands::dv}) {
        const std::int64_t n = g == &AttentionOperands::dq   ? attention_sizes(s).q
                               : g == &AttentionOperands::dk ? attention_sizes(s).k
                                                             : attention_sizes(s).v;
        std::vector<float> grad(ops.*g, ops.*g + n);
        std::size_t big = 0;
        for (std::size_t i = 0; i < grad.size(); ++i)
            if (std::fabs(grad[i]) > std::fabs(grad[big])) big = i;
        grad[big] *= 1.001f;
        bad = ops;
        bad.*g = grad.data();
        CHECK_FALSE(validate_attention_bwd(p, bad, 0.0).passed);
    }
    CHECK(validate_attention_bwd(p, ops, 0.0).passed);
}

TEST_CASE("bad attention problems are refused with a message", "[attention][errors]") {
    auto problem = [](flops::AttentionShape s) {
        AttentionProblem p;
        p.shape = s;
        return p;
    };
    auto refused = [&](flops::AttentionShape s, const char* what) {
        try {
            check_attention_problem(problem(s), AttentionPass::fwd);
            FAIL("accepted: " << what);
        } catch (const UsageError& e) {
            CHECK(std::string(e.what()).find(what) != std::string::npos);
        }
    };
    refused({1, 6, 4, 8, 8, 16, 16, false}, "not divisible by kv_heads=4");
    refused({1, 2, 2, 0, 8, 16, 16, false}, "seq_q=0 must be a positive integer");
    refused({1, 2, 2, 8, 0, 16, 16, false}, "seq_k=0");
    refused({0, 2, 2, 8, 8, 16, 16, false}, "batch=0");
    refused({1, 2, 2, 8, 8, 0, 16, false}, "head_dim=0");
    refused({1, 2, 2, 8, 8, 512, 512, false}, "above the supported limit of 256");
    refused({1, 2, 2, 8, 8, 64, 300, false}, "value_dim=300 is above");
    refused({1'000'000, 1'000'000, 1, 1'000'000, 1'000'000, 128, 128, false}, "overflow");
    refused({1, 64, 64, 10'000'000, 10'000'000, 128, 128, false}, "memory");
    AttentionProblem bf = problem({1, 2, 2, 8, 8, 16, 16, false});
    bf.dtype = DType::fp64;
    CHECK_THROWS_AS(check_attention_problem(bf, AttentionPass::fwd), UsageError);
    bf.dtype = DType::fp32;
    bf.scale = -1;
    CHECK_THROWS_AS(check_attention_problem(bf, AttentionPass::fwd), UsageError);
    CHECK_THROWS_AS(find_attention_backend("flash9"), UsageError);
    CHECK(find_attention_backend("unfused").name == "unfused:own");
}

TEST_CASE("unfused attention refuses score matrices that do not fit, own does not need them",
          "[attention][errors][memory]") {
    AttentionProblem p;
    p.shape = {1, 64, 8, 60000, 60000, 16, 16, true};  // 64 x 60000^2 fp32 scores = 860 GiB
    try {
        make_attention_plan(find_attention_backend("unfused"), p, AttentionPass::fwd, 1);
        FAIL("unfused accepted 860 GiB of scores");
    } catch (const UnavailableError& e) {
        CHECK(std::string(e.what()).find("materialises") != std::string::npos);
        CHECK(std::string(e.what()).find("--backend own") != std::string::npos);
    }
    auto plan = make_attention_plan(find_attention_backend("own"), p, AttentionPass::fwd_bwd, 1);
    // O(S) extra memory: packed K/V and per-thread tiles, far below one score matrix.
    CHECK(plan->workspace_bytes() < 0.2 * double(p.shape.seq_q) * double(p.shape.seq_k));
    CHECK(plan->workspace_bytes() > 0);
}
