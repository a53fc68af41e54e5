// The GPU commands' exit codes and messages, in-process through cli_main: usage errors come
// first (exit 2, one line), then "no CUDA device" (exit 2) on machines without one, and "built
// without CUDA" (exit 2) in builds without nvcc. `cuda-sweep --list` needs no device at all.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli_runner.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include "kernels/cuda/common/cuda_device.hpp"
#endif

using namespace flopmeter;
using flopmeter::test::cli;
using flopmeter::test::Run;

namespace {

bool have_device() {
#ifdef FLOPMETER_HAVE_CUDA
    return cuda_device_status().available;
#else
    return false;
#endif
}

void expect(const std::vector<std::string>& args, int code, const std::string& text) {
    const Run r = cli(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    INFO("flopmeter " << joined << "-> " << r.code << "\n" << r.err);
    CHECK(r.code == code);
    CHECK(r.err.find(text) != std::string::npos);
    if (code == 2) {
        CHECK(r.err.rfind("flopmeter: error:", 0) == 0);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one line
    }
}

}  // namespace

TEST_CASE("GPU commands: bad input is a usage error before the device is touched", "[cuda][cli]") {
    expect({"bench", "cuda-gemm", "--size", "0"}, 2, "must be a positive integer");
    expect({"bench", "cuda-gemm", "--size", "64", "--mode", "fp4"}, 2,
           "valid: fp32, tf32, fp16, bf16, fp8");
    expect({"bench", "cuda-gemm", "--size", "64", "--layout", "tt"}, 2, "valid: nn, nt, tn");
    expect({"bench", "cuda-gemm"}, 2, "no shape given");
    expect({"bench", "cuda-gemm", "--size", "64", "--cache", "hot"}, 2, "valid: warm, cold");
    expect({"bench", "cuda-attention"}, 2, "no sequence length given");
    expect({"bench", "cuda-attention", "--seq", "128", "--heads", "6", "--kv-heads", "4"}, 2,
           "multiple of kv-heads");
    expect({"bench", "cuda-attention", "--seq", "128", "--dtype", "fp32"}, 2, "valid: bf16, fp16");
    expect({"bench", "cuda-attention", "--seq", "128", "--direction", "up"}, 2, "valid: fwd, bwd");
    expect({"roofline", "--device", "tpu"}, 2, "valid: cpu, cuda");
    expect({"cuda-sweep", "--mode", "huge"}, 2, "valid: smoke, quick, full");
#ifdef FLOPMETER_HAVE_CUDA
    expect({"calibrate", "--device", "cuda", "--out", "x.json", "--backend", "nope"}, 2, "nope");
    expect({"calibrate", "--device", "all", "--out", "x.json"}, 2, "one device");
#endif
}

TEST_CASE("cuda-sweep --list prints the plan without a device", "[cuda][cli]") {
    const Run r = cli({"cuda-sweep", "--mode", "smoke", "--list"});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("cuda/gemm/cublas/bf16/nn/256x256x256") != std::string::npos);
    CHECK(r.out.find("cuda/attention/flash/bf16/fwd/") != std::string::npos);
    CHECK(r.out.find(" cases") != std::string::npos);
}

TEST_CASE("GPU commands without a GPU: exit 2 with the reason, and the CPU path keeps working",
          "[cuda][cli]") {
    if (have_device()) {
        SUCCEED("a device is present: the no-device messages are checked on GPU-less machines");
        return;
    }
#ifdef FLOPMETER_HAVE_CUDA
    const std::string why = "no CUDA device: ";
#else
    const std::string why = "built without CUDA";
#endif
    expect({"cuda-info"}, 2, why);
    expect({"bench", "cuda-gemm", "--size", "64"}, 2, why);
    expect({"bench", "cuda-attention", "--seq", "128"}, 2, why);
    expect({"roofline", "--device", "cuda", "--quick"}, 2, why);
    expect({"cuda-sweep", "--mode", "smoke"}, 2, why);
    // calibrate --device cuda: the same line, and no profile file left behind.
    const std::string out =
        (std::filesystem::temp_directory_path() / "flopmeter_test_cuda_calibrate.json").string();
    std::filesystem::remove(out);
    expect({"calibrate", "--device", "cuda", "--smoke", "--out", out}, 2, why);
    CHECK_FALSE(std::filesystem::exists(out));
    const Run cpu = cli({"bench", "gemm", "--size", "32", "--budget", "0.02", "--min-samples", "6",
                         "--threads", "1"});
    INFO(cpu.err);
    CHECK(cpu.code == 0);
}
