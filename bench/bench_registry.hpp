// Registration entry points of the Google Benchmark binary, one per op.
#pragma once

namespace flopmeter {

void register_gemm_benchmarks(int threads);
void register_attention_benchmarks(int threads);

}  // namespace flopmeter
