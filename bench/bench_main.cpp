// flopmeter-bench: the Google Benchmark binary. Standard --benchmark_* flags work and its JSON
// output stays Google Benchmark's; --threads=N (default: one per core) sets the kernels'
// thread count and is removed before Google Benchmark sees the arguments. Each case picks its
// own time unit (bench_time_unit.hpp) unless --benchmark_time_unit is given. The context carries
// the machine's flopmeter provenance, so a run recorded from this JSON matches a native run of
// the same machine.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "bench/bench_registry.hpp"
#include "bench/bench_time_unit.hpp"
#include "core/thread_pool.hpp"
#include "measure/provenance.hpp"
#include "measure/writers.hpp"

int main(int argc, char** argv) {
    int threads = flopmeter::default_thread_count();
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strncmp(argv[i], "--threads=", 10) == 0) {
            threads = std::atoi(argv[i] + 10);
            if (threads < 1) {
                std::cerr << "flopmeter-bench: --threads must be a positive integer\n";
                return 2;
            }
            continue;
        }
        if (std::strncmp(argv[i], "--benchmark_time_unit", 21) == 0)
            flopmeter::use_time_unit_flag();
        args.push_back(argv[i]);
    }
    int n = int(args.size());
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 2;
    benchmark::AddCustomContext("flopmeter_threads", std::to_string(threads));
    for (const auto& [key, value] :
         flopmeter::gbench_provenance_context(flopmeter::collect_provenance()))
        benchmark::AddCustomContext(key, value);
    flopmeter::register_gemm_benchmarks(threads);
    flopmeter::register_attention_benchmarks(threads);
    flopmeter::register_cuda_benchmarks();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
