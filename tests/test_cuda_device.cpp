// The GPU kernels on a real device: every GEMM backend x mode x layout and the attention kernels
// validated against the fp64 host reference on edge shapes, and the timing path. Where there is
// no CUDA build or no device these tests say so (WARN "GPU-SKIP: ...", which ctest reports as
// skipped: tests/CMakeLists.txt) and check the no-device behaviour instead: a clear
// UnavailableError, never a crash.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include "kernels/cuda/common/cuda_device.hpp"
#include "measure/cuda/gpu_attention_case.hpp"
#include "measure/cuda/gpu_gemm_case.hpp"
#endif

using namespace flopmeter;

#ifndef FLOPMETER_HAVE_CUDA

TEST_CASE("GPU kernels: skipped, flopmeter was built without CUDA", "[cuda][device]") {
    WARN("GPU-SKIP: skipping the GPU kernel tests: flopmeter was built without CUDA");
    SUCCEED();
}

#else

namespace {

// True when a device is there; otherwise logs why the test skips.
bool device_or_skip(const char* what) {
    const CudaDeviceStatus st = cuda_device_status();
    if (!st.available)
        WARN(std::string("GPU-SKIP: skipping ") + what + ": no CUDA device (" + st.reason + ")");
    return st.available;
}

}  // namespace

TEST_CASE("without a device every GPU entry point fails with one clear UnavailableError",
          "[cuda][device]") {
    if (cuda_device_status().available) {
        SUCCEED("a device is present: the no-device path is covered on GPU-less machines");
        return;
    }
    const CudaDeviceStatus st = cuda_device_status();
    CHECK_FALSE(st.reason.empty());
    CHECK_THROWS_WITH(require_cuda_device(), Catch::StartsWith("no CUDA device: "));
    CHECK_THROWS_AS(cuda_device(), UnavailableError);
    CHECK_THROWS_WITH(GpuGemmCase(GpuGemmCaseSpec{
                          "cublas", GpuGemmProblem{64, 64, 64, Layout::nn, GemmMode::bf16, 1, 0}}),
                      Catch::StartsWith("no CUDA device: "));
    const CaseResult r = measure_gpu_gemm(
        GpuGemmCaseSpec{"own", GpuGemmProblem{64, 64, 64, Layout::nn, GemmMode::fp32, 1, 0}},
        MeasureOptions{}, *std::make_unique<MeasureContext>(1), CudaMeasureOptions{});
    CHECK(r.status == CaseStatus::unavailable);
    CHECK(r.error.rfind("no CUDA device: ", 0) == 0);
    const CaseResult a =
        measure_gpu_attention(GpuAttentionCaseSpec{}, MeasureOptions{},
                              *std::make_unique<MeasureContext>(1), CudaMeasureOptions{});
    CHECK(a.status == CaseStatus::unavailable);
}

TEST_CASE("every GPU GEMM backend, mode and layout validates on edge shapes",
          "[cuda][device][gemm]") {
    if (!device_or_skip("the GPU GEMM validation")) return;
    // Tiny, prime, tile-crossing and tall/skinny shapes; multiples of 8 where the tensor-core
    // kernels need them (they are reported unavailable otherwise, which is checked too).
    const std::vector<std::tuple<int, int, int> > shapes = {
        {1, 1, 8},     {8, 8, 8},      {17, 24, 40},     {130, 136, 72},
        {257, 8, 264}, {64, 520, 128}, {200, 256, 1000}, {384, 264, 136}};
    for (const auto& b : gpu_gemm_backends())
        for (GemmMode mode : b.modes)
            for (Layout l : {Layout::nn, Layout::nt, Layout::tn})
                for (auto [m, n, k] : shapes)
                    for (double beta : {0.0, 0.75}) {
                        const GpuGemmCaseSpec spec{b.name,
                                                   GpuGemmProblem{m, n, k, l, mode, 1.25, beta}};
                        if (auto why = b.unavailable(spec.problem)) continue;
                        std::unique_ptr<GpuGemmCase> c;
                        try {
                            c = std::make_unique<GpuGemmCase>(spec);
                        } catch (const UnavailableError& e) {
                            // cuBLASLt may have no algorithm for an odd shape; the own kernels must
                            // run whatever their unavailable() accepts.
                            INFO(gpu_gemm_case_name(spec) << ": " << e.what());
                            CHECK(b.name == "cublas");
                            continue;
                        }
                        const ValidationReport v = c->validate();
                        INFO(gpu_gemm_case_name(spec)
                             << " [" << c->plan().kernel_set() << "]: " << v.detail);
                        CHECK(v.passed);
                    }
}

TEST_CASE("the own SIMT and mma kernels run every shape they accept, and refuse the rest clearly",
          "[cuda][device][gemm]") {
    if (!device_or_skip("the own GEMM shape rules")) return;
    const GpuGemmBackend& mma = find_gpu_gemm_backend("own-mma");
    const auto why = mma.unavailable(GpuGemmProblem{10, 10, 10, Layout::nn, GemmMode::bf16, 1, 0});
    REQUIRE(why);
    CHECK(why->find("multiples of 8") != std::string::npos);
    // The SIMT kernel takes any shape (its scalar path).
    GpuGemmCase c(
        GpuGemmCaseSpec{"own-simt", GpuGemmProblem{33, 17, 9, Layout::tn, GemmMode::fp32, 1, 0}});
    CHECK(c.plan().kernel_set().find("scalar") != std::string::npos);
    CHECK(c.validate().passed);
}

TEST_CASE("GPU attention kernels validate: forward, backward, causal, GQA, decode",
          "[cuda][device][attention]") {
    if (!device_or_skip("the GPU attention validation")) return;
    struct S {
        std::int64_t b, h, kv, sq, sk, d;
    };
    for (const S s : {S{1, 2, 2, 64, 64, 64}, S{2, 4, 2, 100, 130, 128}, S{1, 8, 2, 1, 700, 128},
                      S{2, 4, 4, 129, 129, 64}, S{1, 4, 1, 3, 5000, 64}})
        for (bool causal : {false, true})
            for (bool bwd : {false, true})
                for (GpuStorage t : {GpuStorage::bf16, GpuStorage::f16})
                    for (const char* backend : {"flash", "flash-sm80", "unfused"}) {
                        GpuAttentionProblem p{s.b, s.h, s.kv, s.sq, s.sk, s.d, causal, bwd, t};
                        const GpuAttentionCaseSpec spec{backend, p};
                        if (find_gpu_attention_backend(backend).unavailable(p)) continue;
                        GpuAttentionCase c(spec);
                        const ValidationReport v = c.validate();
                        INFO(gpu_attention_case_name(spec) << ": " << v.detail);
                        CHECK(v.passed);
                    }
}

TEST_CASE("GPU timing: events with the blocking kernel, L2 scrub, annotations",
          "[cuda][device][measure]") {
    if (!device_or_skip("the GPU timing tests")) return;
    GpuGemmCase c(GpuGemmCaseSpec{
        "cublas", GpuGemmProblem{1024, 1024, 1024, Layout::nn, GemmMode::bf16, 1, 0}});
    REQUIRE(c.validate().passed);
    const double one = c.timed_run(1), many = c.timed_run(300);  // 300 > the queue chunk of 128
    CHECK(one > 0);
    CHECK(many > 50 * one);
    c.flush_device_cache();
    MeasureOptions mo;
    mo.sampler.budget_s = 0.2;
    mo.cache = CacheMode::cold;
    MeasureContext ctx(1);
    CudaMeasureOptions g;
    g.energy_s = 0.2;
    const CaseResult r = measure_cuda_case(c, mo, ctx, g);
    REQUIRE(r.status == CaseStatus::ok);
    CHECK(r.validated);
    CHECK(r.model_flops_per_s() > 1e12);
    CHECK(r.cache_mode == "cold");
    bool device = false, scrub = false;
    for (const auto& [k, v] : r.params) {
        device = device || k == "device";
        scrub = scrub || k == "l2_scrub_bytes";
    }
    CHECK(device);
    CHECK(scrub);
}

#endif
