// Every GEMM backend x dtype x layout is validated against the double-precision oracle on
// random and edge shapes, and the own backend on every ISA variant this CPU can run.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "core/isa.hpp"
#include "isa_override.hpp"
#include "kernels/gemm/gemm_backend.hpp"
#include "kernels/gemm/own/gemm_driver.hpp"
#include "kernels/gemm/own/kernel_table.hpp"
#include "measure/gemm_case.hpp"

using namespace flopmeter;

namespace {

// 1x1x1, primes, tall-skinny, K = 1, shapes crossing the own kernels' kc (512/768) and
// partial micro-tiles in both dimensions.
const std::vector<std::tuple<int, int, int>>& edge_shapes() {
    static const std::vector<std::tuple<int, int, int>> v = {
        {1, 1, 1},   {2, 3, 5},    {17, 13, 11}, {31, 37, 41},  {257, 3, 65}, {3, 257, 65},
        {33, 47, 1}, {1, 64, 300}, {64, 1, 300}, {25, 70, 800}, {130, 66, 97}};
    return v;
}

using test::IsaOverride;

void check_backend(const std::string& backend, DType d, int threads, double alpha, double beta) {
    for (auto [m, n, k] : edge_shapes())
        for (Layout l : {Layout::nn, Layout::nt, Layout::tn}) {
            GemmCaseSpec spec{backend, GemmProblem{m, n, k, l, d, alpha, beta}, threads};
            GemmCase c(spec);
            const ValidationReport v = c.validate();
            INFO(gemm_case_name(spec) << " [" << c.plan().kernel_set() << "]: " << v.detail);
            CHECK(v.passed);
            CHECK(v.checked > 0);
        }
}

// One test case per backend x dtype, so a backend this build or machine cannot run shows as
// skipped in ctest ("DEP-SKIP: ..." maps to ctest's skipped) instead of passing silently.
void check_backend_dtype(const std::string& name, DType d) {
    const GemmBackend* b = nullptr;
    for (const auto& x : gemm_backends())
        if (x.name == name) b = &x;
    REQUIRE(b != nullptr);
    REQUIRE(b->supports(d));  // the list of cases below follows each backend's declared dtypes
    if (auto why = b->unavailable(d)) {
        WARN("DEP-SKIP: " << name << " " << dtype_name(d) << " cannot run here: " << *why);
        return;
    }
    for (int threads : {1, 2}) {
        check_backend(name, d, threads, 1.0, 0.0);
        check_backend(name, d, threads, -0.5, 1.5);
    }
}

}  // namespace

TEST_CASE("backend cases cover every backend x dtype", "[gemm][backends]") {
    std::vector<std::string> have;
    for (const auto& b : gemm_backends())
        for (DType d : b.dtypes) have.push_back(b.name + "/" + std::string(dtype_name(d)));
    const std::vector<std::string> tested = {"own/fp32",       "own/fp64",      "own/bf16",
                                             "openblas/fp32",  "openblas/fp64", "openblas/bf16",
                                             "onednn/fp32",    "onednn/bf16",   "reference/fp32",
                                             "reference/fp64", "reference/bf16"};
    CHECK(have == tested);
}

TEST_CASE("own fp32 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("own", DType::fp32);
}
TEST_CASE("own fp64 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("own", DType::fp64);
}
TEST_CASE("own bf16 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("own", DType::bf16);
}
TEST_CASE("openblas fp32 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("openblas", DType::fp32);
}
TEST_CASE("openblas fp64 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("openblas", DType::fp64);
}
TEST_CASE("openblas bf16 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("openblas", DType::bf16);
}
TEST_CASE("onednn fp32 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("onednn", DType::fp32);
}
TEST_CASE("onednn bf16 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("onednn", DType::bf16);
}
TEST_CASE("reference fp32 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("reference", DType::fp32);
}
TEST_CASE("reference fp64 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("reference", DType::fp64);
}
TEST_CASE("reference bf16 passes validation on edge shapes", "[gemm][backends]") {
    check_backend_dtype("reference", DType::bf16);
}

TEST_CASE("own GEMM passes on every ISA variant this CPU supports", "[gemm][own][isa]") {
    for (Isa isa : isas_supported()) {
        IsaOverride force(isa);
        for (DType d : {DType::fp32, DType::fp64, DType::bf16}) {
            const std::string expect = own::choose_kernel(d, isa).name;
            GemmCase probe({"own", GemmProblem{8, 8, 8, Layout::nn, d}, 1});
            CHECK(probe.plan().kernel_set() == expect);
            check_backend("own", d, 2, 1.0, 0.0);
            check_backend("own", d, 1, 2.0, -1.0);
        }
    }
}

TEST_CASE("own GEMM kernels cover every variant listed for the CPU", "[gemm][own][isa]") {
    for (DType d : {DType::fp32, DType::fp64, DType::bf16}) {
        const auto ks = own::kernels_runnable(d);
        REQUIRE(!ks.empty());
        CHECK(ks.back()->isa == Isa::generic);  // a portable fallback always exists
    }
}

TEST_CASE("FLOPMETER_ISA rejects unknown and unsupported levels", "[gemm][isa]") {
    setenv("FLOPMETER_ISA", "avx9000", 1);
    CHECK_THROWS_AS(isa_active(), UsageError);
    unsetenv("FLOPMETER_ISA");
    if (isa_supported() != Isa::avx512_bf16) {
        setenv("FLOPMETER_ISA", "avx512_bf16", 1);
        CHECK_THROWS_AS(isa_active(), UnavailableError);
        unsetenv("FLOPMETER_ISA");
    }
}

TEST_CASE("thread split covers C exactly once", "[gemm][own]") {
    for (auto [m, n] : std::vector<std::pair<int, int>>{
             {1, 1}, {5, 1000}, {1000, 5}, {2048, 768}, {13, 13}, {100, 33}})
        for (int t : {1, 2, 3, 4, 8}) {
            const auto tiles = own::split_threads(m, n, 12, 32, t);
            REQUIRE(!tiles.empty());
            CHECK(int(tiles.size()) <= t);
            std::vector<int> cover(std::size_t(m) * n, 0);
            for (const auto& tl : tiles)
                for (auto i = tl.m0; i < tl.m1; ++i)
                    for (auto j = tl.n0; j < tl.n1; ++j) ++cover[std::size_t(i) * n + j];
            for (int x : cover) REQUIRE(x == 1);
        }
}

TEST_CASE("validation catches wrong results", "[gemm][validate]") {
    GemmProblem p{4, 4, 4096, Layout::nn, DType::fp32};
    GemmCase c({"own", p, 1});
    REQUIRE(c.validate().passed);
    // Recompute C leaving out one k term of one entry: the bound must catch a single term.
    std::vector<float> a(4 * 4096), b(4096 * 4), before(16, 0.0f), after(16);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = float((i * 7919) % 1000) / 1000.0f - 0.5f;
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = float((i * 104729) % 1000) / 1000.0f - 0.5f;
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
            double s = 0;
            for (int q = 0; q < 4096; ++q) s += double(a[i * 4096 + q]) * b[q * 4 + j];
            after[i * 4 + j] = float(s);
        }
    GemmOperands ops{a.data(), b.data(), after.data(), 4096, 4, 4};
    REQUIRE(validate_gemm(p, ops, before.data(), after.data()).passed);
    std::vector<float> wrong = after;
    // Drop the largest-magnitude term of C[2][3].
    int qmax = 0;
    for (int q = 1; q < 4096; ++q)
        if (std::fabs(a[2 * 4096 + q] * b[q * 4 + 3]) >
            std::fabs(a[2 * 4096 + qmax] * b[qmax * 4 + 3]))
            qmax = q;
    wrong[2 * 4 + 3] -= a[2 * 4096 + qmax] * b[qmax * 4 + 3];
    const ValidationReport v = validate_gemm(p, ops, before.data(), wrong.data());
    CHECK_FALSE(v.passed);
    CHECK(v.detail.find("C[2][3]") != std::string::npos);
    // NaN never passes.
    wrong = after;
    wrong[5] = std::nanf("");
    CHECK_FALSE(validate_gemm(p, ops, before.data(), wrong.data()).passed);
}

TEST_CASE("bad GEMM problems are refused with a message", "[gemm][errors]") {
    CHECK_THROWS_AS(check_gemm_problem({0, 4, 4}), UsageError);
    CHECK_THROWS_AS(check_gemm_problem({4, -1, 4}), UsageError);
    CHECK_THROWS_AS(check_gemm_problem({4, 4, 4, Layout::nn, DType::fp32, NAN, 0}), UsageError);
    CHECK_THROWS_AS(check_gemm_problem({4'000'000'000, 4'000'000'000, 4}), UsageError);
    CHECK_THROWS_AS(check_gemm_problem({1'000'000, 1'000'000, 1'000'000}), UsageError);  // 12 TB
    CHECK_THROWS_AS(find_gemm_backend("cublas9"), UsageError);
    try {
        find_gemm_backend("nope");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()).find("own, openblas, onednn, reference") != std::string::npos);
    }
    CHECK_THROWS_AS(
        make_gemm_plan(find_gemm_backend("onednn"), {8, 8, 8, Layout::nn, DType::fp64}, 1),
        UnavailableError);
}
