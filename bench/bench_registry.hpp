// Registration entry points of the Google Benchmark binary, one per op.
#pragma once

namespace flopmeter {

void register_gemm_benchmarks(int threads);
void register_attention_benchmarks(int threads);
// GPU GEMM and attention (bench_cuda.cpp); registers nothing without a CUDA build or device.
void register_cuda_benchmarks();

}  // namespace flopmeter
