// The FLOP formulas are proven, not assumed: the reference kernels run on a scalar type that
// tallies every operation, and the tallies must equal core/flops.hpp exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <tuple>
#include <vector>

#include "core/flops.hpp"
#include "kernels/gemm/gemm_reference.hpp"
#include "tests/counting_scalar.hpp"

using namespace flopmeter;
using test::Counted;
using test::op_counts;

TEST_CASE("GEMM reference tallies equal the formula header exactly", "[flops][gemm]") {
    const std::vector<std::tuple<int, int, int>> shapes = {{1, 1, 1},  {1, 1, 7},    {7, 11, 13},
                                                           {13, 7, 1}, {1, 17, 1},   {31, 1, 29},
                                                           {2, 3, 5},  {16, 16, 16}, {37, 41, 43}};
    const std::vector<std::pair<double, double>> coeffs = {
        {1.0, 0.0}, {2.0, 0.0}, {1.0, 1.0}, {0.5, -2.0}, {1.0, 0.25}};
    for (auto [m, n, k] : shapes)
        for (auto [alpha, beta] : coeffs)
            for (Layout l : {Layout::nn, Layout::nt, Layout::tn}) {
                std::vector<Counted> a(std::size_t(m) * k, 0.5), b(std::size_t(k) * n, 0.25),
                    c(std::size_t(m) * n, 1.0);
                GemmProblem p{m, n, k, l, DType::fp32, alpha, beta};
                op_counts() = {};
                gemm_reference<Counted, Counted, Counted>(l, m, n, k, alpha, a.data(), gemm_lda(p),
                                                          b.data(), gemm_ldb(p), beta, c.data(),
                                                          gemm_ldc(p));
                const test::OpCounts got = op_counts();
                const flops::OpTally inner = flops::gemm_inner_ops_exact(m, n, k);
                const flops::OpTally epi = flops::gemm_epilogue_ops_exact(m, n, alpha, beta);
                INFO("shape " << m << "x" << n << "x" << k << " alpha " << alpha << " beta "
                              << beta);
                CHECK(double(got.mul) == inner.mul + epi.mul);
                CHECK(double(got.add) == inner.add + epi.add);
                CHECK(got.fma == 0);
                // Model FLOPs are exactly the inner products' multiplies and adds.
                CHECK(inner.flops() == flops::gemm_model_flops(m, n, k));
                // Executed FLOPs follow the CUTLASS convention (2MN epilogue); the exact tally of
                // the epilogue differs from it by at most MN.
                const double conv = flops::gemm_executed_flops(m, n, k, alpha, beta) -
                                    flops::gemm_model_flops(m, n, k);
                CHECK(std::fabs(conv - epi.flops()) <= double(m) * n);
                CHECK((conv == 0.0) == (epi.flops() == 0.0));
                // The values are right too (each entry = alpha * K/8 + beta).
                CHECK(c[0].v == Approx(alpha * k * 0.125 + beta * 1.0));
            }
}

TEST_CASE("GEMM formulas do not overflow at training-run scale", "[flops][gemm]") {
    // 2 * 4e8^3 = 1.28e26 FLOPs: beyond any 64-bit integer, fine as a double.
    const std::int64_t s = 400'000'000;
    const double f = flops::gemm_model_flops(s, s, s);
    CHECK(std::isfinite(f));
    CHECK(f == Approx(1.28e26).epsilon(1e-12));
    // Exact below 2^53.
    CHECK(flops::gemm_model_flops(8191, 8191, 8191) == 2.0 * 8191.0 * 8191.0 * 8191.0);
    const flops::GemmBytes b = flops::gemm_bytes(s, s, s, 2, 2, 4, 1.0);
    CHECK(std::isfinite(b.total()));
    CHECK(b.c_read == b.c_write);
}

TEST_CASE("GEMM bytes count each operand at its storage size", "[flops][gemm]") {
    const flops::GemmBytes b = flops::gemm_bytes(2, 3, 5, 2.0, 2.0, 4.0, 0.0);
    CHECK(b.a == 2 * 5 * 2);
    CHECK(b.b == 5 * 3 * 2);
    CHECK(b.c_write == 2 * 3 * 4);
    CHECK(b.c_read == 0);
    CHECK(flops::gemm_bytes(2, 3, 5, 4, 4, 4, 0.5).c_read == 2 * 3 * 4);
    CHECK(flops::gemm_executed_flops(2, 3, 5, 1.0, 0.0) == flops::gemm_model_flops(2, 3, 5));
    CHECK(flops::gemm_executed_flops(2, 3, 5, 1.0, 1.0) == flops::gemm_model_flops(2, 3, 5) + 12);
}
