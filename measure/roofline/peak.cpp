#include "measure/roofline/peak.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "core/cpu_features.hpp"
#include "core/isa.hpp"
#include "core/thread_pool.hpp"

namespace flopmeter {

std::string peak_kind_name(PeakKind k) {
    switch (k) {
        case PeakKind::fp64_fma:
            return "fp64 fma";
        case PeakKind::fp32_fma:
            return "fp32 fma";
        case PeakKind::bf16_dot:
            return "bf16 dot";
        case PeakKind::int8_dot:
            return "int8 dot";
    }
    return "?";
}

namespace {

// Best first; the first whose ISA level is active (and whose extra feature exists) is used.
const PeakKernel kKernels[] = {
    {PeakKind::fp64_fma, "fp64 fma avx512 zmm x16", int(Isa::avx512), peak_fp64_fma_avx512},
    {PeakKind::fp64_fma, "fp64 fma avx2 ymm x12", int(Isa::avx2), peak_fp64_fma_avx2},
    {PeakKind::fp64_fma, "fp64 mul+add scalar x8", int(Isa::generic), peak_fp64_generic},
    {PeakKind::fp32_fma, "fp32 fma avx512 zmm x16", int(Isa::avx512), peak_fp32_fma_avx512},
    {PeakKind::fp32_fma, "fp32 fma avx2 ymm x12", int(Isa::avx2), peak_fp32_fma_avx2},
    {PeakKind::fp32_fma, "fp32 mul+add scalar x8", int(Isa::generic), peak_fp32_generic},
    {PeakKind::bf16_dot, "bf16 vdpbf16ps avx512_bf16 zmm x16", int(Isa::avx512_bf16),
     peak_bf16_dot_avx512bf16},
    {PeakKind::int8_dot, "int8 vpdpbusd avx512_vnni zmm x16", int(Isa::avx512),
     peak_int8_dot_avx512vnni},
};

bool runnable(const PeakKernel& k) {
    if (k.isa_level > int(isa_active())) return false;
    if (k.kind == PeakKind::int8_dot) return cpu_features().avx512_vnni;
    return true;
}

double seconds_of(PeakKernelFn fn, std::int64_t iters) {
    const auto t0 = std::chrono::steady_clock::now();
    fn(iters);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

const PeakKernel* peak_kernel(PeakKind kind) {
    for (const auto& k : kKernels)
        if (k.kind == kind && runnable(k)) return &k;
    return nullptr;
}

PeakResult measure_peak(PeakKind kind, int threads, int trials, double trial_seconds) {
    PeakResult r;
    r.kind = kind;
    r.threads = threads;
    const PeakKernel* k = peak_kernel(kind);
    if (!k) return r;
    r.kernel = k->name;
    // Size one trial to ~trial_seconds on this core.
    std::int64_t iters = 1 << 12;
    for (;;) {
        const double s = seconds_of(k->fn, iters);
        if (s >= trial_seconds / 4 || iters > (std::int64_t(1) << 40)) {
            iters = std::max<std::int64_t>(
                1, std::int64_t(double(iters) * trial_seconds / std::max(s, 1e-9)));
            break;
        }
        iters *= 4;
    }
    std::vector<double> rates;
    ThreadPool& pool = shared_thread_pool(threads);
    std::vector<double> secs(static_cast<std::size_t>(threads)),
        ops(static_cast<std::size_t>(threads));
    for (int t = 0; t < std::max(1, trials); ++t) {
        pool.run([&](int tid) {
            const auto t0 = std::chrono::steady_clock::now();
            ops[std::size_t(tid)] = k->fn(iters);
            secs[std::size_t(tid)] =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        });
        double total = 0, slowest = 0;
        for (int i = 0; i < threads; ++i) {
            total += ops[std::size_t(i)];
            slowest = std::max(slowest, secs[std::size_t(i)]);
        }
        rates.push_back(total / slowest);
    }
    std::sort(rates.begin(), rates.end());
    r.trials = int(rates.size());
    r.flops_per_s = rates.back();
    r.median_flops_per_s = rates[rates.size() / 2];
    r.spread = (rates.back() - rates.front()) / rates.back();
    return r;
}

PeakResult peak_for_dtype(DType d, int threads, int trials) {
    PeakKind kind = PeakKind::fp32_fma;
    if (d == DType::fp64) kind = PeakKind::fp64_fma;
    if (d == DType::bf16 && peak_kernel(PeakKind::bf16_dot)) kind = PeakKind::bf16_dot;
    static std::mutex mu;
    // Keyed by the kernel too: FLOPMETER_ISA (or a test's override) may choose another.
    const PeakKernel* k = peak_kernel(kind);
    static std::map<std::tuple<std::string, int, int>, PeakResult> measured;
    std::lock_guard<std::mutex> lock(mu);
    const auto key = std::make_tuple(std::string(k ? k->name : ""), threads, trials);
    auto it = measured.find(key);
    if (it == measured.end()) it = measured.emplace(key, measure_peak(kind, threads, trials)).first;
    return it->second;
}

}  // namespace flopmeter
