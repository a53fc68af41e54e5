// The CLI's subcommands. Each registers its options on a CLI11 (sub)command and, when chosen,
// sets `action` to the function that runs it and returns the exit code:
//   0 success, 1 a kernel failed validation (or a run-level failure), 2 bad input.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>

namespace flopmeter {

struct Io {
    std::ostream& out;
    std::ostream& err;
};

using Action = std::function<int()>;

void register_info(CLI::App& app, Io io, Action& action);
void register_bench_gemm(CLI::App& bench, Io io, Action& action);
void register_bench_attention(CLI::App& bench, Io io, Action& action);
void register_bench_quant(CLI::App& bench, Io io, Action& action);
void register_bench_cuda_gemm(CLI::App& bench, Io io, Action& action);
void register_bench_cuda_attention(CLI::App& bench, Io io, Action& action);
void register_roofline(CLI::App& app, Io io, Action& action);
void register_cuda_info(CLI::App& app, Io io, Action& action);
void register_cuda_sweep(CLI::App& app, Io io, Action& action);
void register_calibrate(CLI::App& app, Io io, Action& action);
void register_convert(CLI::App& app, Io io, Action& action);
void register_profiles(CLI::App& app, Io io, Action& action);  // profiles, predict
void register_compare(CLI::App& app, Io io, Action& action);
void register_selfcheck(CLI::App& app, Io io, Action& action);
void register_estimate(CLI::App& app, Io io, Action& action);
void register_validate(CLI::App& app, Io io, Action& action);
void register_record(CLI::App& app, Io io, Action& action);
void register_check(CLI::App& app, Io io, Action& action);
void register_history(CLI::App& app, Io io, Action& action);
void register_export(CLI::App& app, Io io, Action& action);
void register_merge(CLI::App& app, Io io, Action& action);
void register_ab(CLI::App& app, Io io, Action& action);
void register_serve(CLI::App& app, Io io, Action& action);  // for ab: bench commands from stdin
void register_pocket(CLI::App& app, Io io, Action& action);

// Every command registered on `app` (with its --help examples); parsing sets `action`.
void build_cli(CLI::App& app, Io io, Action& action);

// The whole CLI; main() is a one-line call to this (tests call it in-process).
int cli_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace flopmeter
