// `flopmeter roofline`: compute ceilings per dtype and bandwidth per memory level.
#include <memory>

#include "cli/commands.hpp"
#include "cli/cuda_cli.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/text_table.hpp"
#include "core/thread_pool.hpp"
#include "measure/roofline/roofline.hpp"

namespace flopmeter {

namespace {

struct RooflineCliOptions {
    int threads = 0;
    bool quick = false;
    std::string json_path;
    std::string device = "cpu";  // "cuda": the GPU's roofline (cli/cuda_cli_common.cpp)
};

int run_roofline(const RooflineCliOptions& o, Io io_in) {
    check_output_paths({o.json_path});
    Io io{text_stream(io_in, {o.json_path}), io_in.err};  // text to stderr when data goes to stdout
    std::ostream& data_out = io_in.out;
    // --device cuda: the GPU's ceilings and HBM bandwidth instead (issue #7).
    if (o.device == "cuda") return run_roofline_cuda(o.quick, o.json_path, io);
    if (o.device != "cpu")
        throw UsageError("unknown --device '" + o.device + "' (valid: cpu, cuda)");
    RooflineOptions ro;
    ro.threads = resolve_thread_count(o.threads);
    ro.quick = o.quick;
    const RooflineReport r = measure_roofline(ro, &io.err);

    io.out << "Compute ceilings on " << r.provenance.cpu_model
           << " (best of the trials; spread = (best-worst)/best)\n\n";
    Table pt({"kind", "threads", "GFLOP/s", "per core", "spread", "kernel"});
    for (const auto& p : r.peaks)
        pt.add_row({peak_kind_name(p.kind) + (p.kind == PeakKind::int8_dot ? " (GOP/s)" : ""),
                    std::to_string(p.threads), fmt_fixed(p.flops_per_s / 1e9, 1),
                    fmt_fixed(p.flops_per_s / 1e9 / p.threads, 1),
                    fmt_fixed(100.0 * p.spread, 1) + "%", p.kernel});
    pt.print(io.out);
    io.out << "\nBandwidth per level, " << (r.bandwidth.empty() ? 0 : r.bandwidth.front().threads)
           << " thread(s), GB/s (STREAM counting / with write-allocate)\n\n";
    Table bt({"level", "working set/thread", "read", "write", "copy", "triad", "isa"});
    for (std::size_t i = 0; i + 3 < r.bandwidth.size() + 3 && i < r.bandwidth.size(); i += 4) {
        std::vector<std::string> row = {r.bandwidth[i].level,
                                        fmt_bytes(double(r.bandwidth[i].working_set))};
        for (std::size_t k = 0; k < 4 && i + k < r.bandwidth.size(); ++k) {
            const auto& b = r.bandwidth[i + k];
            row.push_back(b.kernel == BwKernel::read
                              ? fmt_fixed(b.stream_bytes_per_s / 1e9, 1)
                              : fmt_fixed(b.stream_bytes_per_s / 1e9, 1) + " / " +
                                    fmt_fixed(b.wa_bytes_per_s / 1e9, 1));
        }
        row.push_back(r.bandwidth[i].isa);
        bt.add_row(row);
    }
    bt.print(io.out);
    if (!o.json_path.empty()) {
        write_output(o.json_path, roofline_to_json(r).dump(2) + "\n", data_out);
        io.out << "\nRoofline written to " << o.json_path << " (plot: scripts/plot_roofline.py "
               << o.json_path << ")\n";
    }
    return 0;
}

}  // namespace

void register_roofline(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<RooflineCliOptions>();
    CLI::App* sub = app.add_subcommand(
        "roofline", "Measure compute ceilings per dtype and bandwidth per memory level");
    sub->add_option("--threads", o->threads,
                    "Threads for the all-core figures (default: one per core)");
    sub->add_option("--device", o->device,
                    "cpu (default) or cuda (GPU: FMA and tensor-core ceilings, HBM bandwidth)");
    sub->add_flag("--quick", o->quick, "Fewer trials and a smaller DRAM working set");
    sub->add_option("--json", o->json_path, "Write the roofline as JSON to FILE");
    sub->callback([o, io, &action] { action = [o, io] { return run_roofline(*o, io); }; });
}

}  // namespace flopmeter
