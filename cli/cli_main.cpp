#include <exception>

#include "cli/commands.hpp"
#include "cli/help_examples.hpp"
#include "core/error.hpp"

namespace flopmeter {

void build_cli(CLI::App& app, Io io, Action& action) {
    app.require_subcommand(1);
    app.set_version_flag("--version", "flopmeter 0.1.0");
    register_info(app, io, action);
    CLI::App* bench = app.add_subcommand(
        "bench", "Validate, then time kernels (gemm, attention, quant, cuda-gemm, cuda-attention)");
    bench->require_subcommand(1);
    register_bench_gemm(*bench, io, action);
    register_bench_attention(*bench, io, action);
    register_bench_quant(*bench, io, action);
    register_bench_cuda_gemm(*bench, io, action);
    register_bench_cuda_attention(*bench, io, action);
    register_roofline(app, io, action);
    register_cuda_info(app, io, action);
    register_cuda_sweep(app, io, action);
    register_calibrate(app, io, action);
    register_convert(app, io, action);
    register_profiles(app, io, action);
    register_compare(app, io, action);
    register_selfcheck(app, io, action);
    register_estimate(app, io, action);
    register_validate(app, io, action);
    register_record(app, io, action);
    register_check(app, io, action);
    register_history(app, io, action);
    register_export(app, io, action);
    register_merge(app, io, action);
    register_ab(app, io, action);
    register_serve(app, io, action);
    register_pocket(app, io, action);
    add_help_examples(app);
}

int cli_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
    CLI::App app{"flopmeter: measured matmul and attention rates, exact FLOPs, and what they cost",
                 "flopmeter"};
    Action action;
    build_cli(app, Io{out, err}, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        out << app.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        out << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion&) {
        out << "flopmeter 0.1.0\n";
        return 0;
    } catch (const CLI::ParseError& e) {
        err << "flopmeter: error: " << e.what() << "\n(run 'flopmeter --help' for usage)\n";
        return 2;
    }
    if (!action) {
        err << "flopmeter: error: no command given\n";
        return 2;
    }
    try {
        return action();
    } catch (const UsageError& e) {
        err << "flopmeter: error: " << e.what() << '\n';
        return 2;
    } catch (const ValidationError& e) {
        err << "flopmeter: validation failed: " << e.what() << '\n';
        return 1;
    } catch (const std::bad_alloc&) {
        err << "flopmeter: error: out of memory\n";
        return 2;
    } catch (const std::exception& e) {
        // Exit 1 means only "a kernel failed validation" or "a slowdown is confirmed"; any
        // other failure is 2.
        err << "flopmeter: error: " << e.what() << '\n';
        return 2;
    }
}

}  // namespace flopmeter
