// Compute ceilings: the highest rate a core sustains for each dtype's multiply-add instruction,
// like ERT and likwid-bench's peakflops. Each probe runs independent chains of FMAs (or dot
// products) from registers, enough of them to cover latency x throughput on any current core;
// the best of several trials is the ceiling, and the trials' spread is reported with it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.hpp"

namespace flopmeter {

enum class PeakKind { fp64_fma, fp32_fma, bf16_dot, int8_dot };
std::string peak_kind_name(PeakKind k);  // "fp64 fma", ... as printed and stored

struct PeakResult {
    PeakKind kind = PeakKind::fp32_fma;
    std::string kernel;  // e.g. "fp32 fma avx512 zmm x16 chains"; empty when not runnable here
    int threads = 1;
    double flops_per_s = 0;  // best trial (int8: integer ops per second)
    double median_flops_per_s = 0;
    double spread = 0;  // (best - worst) / best over the trials
    int trials = 0;
};

// One probe kernel: performs `iters` iterations and returns the operations done.
using PeakKernelFn = double (*)(std::int64_t iters);

struct PeakKernel {
    PeakKind kind;
    const char* name;
    int isa_level;  // Isa as int
    PeakKernelFn fn;
};

// The best runnable kernel for a kind on this CPU (respecting FLOPMETER_ISA); nullptr when none.
const PeakKernel* peak_kernel(PeakKind kind);

// Measures one kind on `threads` pinned threads (all at once), `trials` times.
PeakResult measure_peak(PeakKind kind, int threads, int trials = 5, double trial_seconds = 0.02);

// The ceiling that bounds a GEMM of this input dtype: fp32 -> fp32 fma, fp64 -> fp64 fma,
// bf16 -> bf16 dot where the CPU has one (else fp32 fma, what a widening kernel runs on).
// Measured once per process and (kind, threads, trials): the bench tables' %peak reference;
// a process serving one bench command per case (`flopmeter serve`) would otherwise spend a
// tenth of a second of every command on it.
PeakResult peak_for_dtype(DType d, int threads, int trials = 3);

// --- kernels, one file per ISA ----------------------------------------------------------------
double peak_fp32_fma_avx512(std::int64_t iters);
double peak_fp64_fma_avx512(std::int64_t iters);
double peak_bf16_dot_avx512bf16(std::int64_t iters);
double peak_int8_dot_avx512vnni(std::int64_t iters);
double peak_fp32_fma_avx2(std::int64_t iters);
double peak_fp64_fma_avx2(std::int64_t iters);
double peak_fp32_generic(std::int64_t iters);
double peak_fp64_generic(std::int64_t iters);

}  // namespace flopmeter
