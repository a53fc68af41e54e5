// `flopmeter cuda-sweep`: the GPU calibration sweep (measure/cuda/cuda_sweep.hpp) and, with
// --roofline-json, the GPU roofline: what `flopmeter calibrate --device cuda` fits a GPU profile
// from, runnable on its own.
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/cuda_cli.hpp"
#include "cli/output.hpp"
#include "core/error.hpp"
#include "measure/cuda/cuda_sweep.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include <map>

#include "core/atomic_file.hpp"
#include "core/text_table.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "measure/cuda/roofline/cuda_roofline.hpp"
#include "measure/provenance.hpp"
#endif

namespace flopmeter {

namespace {

struct CudaSweepCliOptions {
    std::string mode = "quick";
    std::vector<std::string> gemm_backends{"cublas"}, attention_backends{"flash"}, modes;
    std::string json_path, roofline_json;
    double budget = 1.0, energy = 0.0;
    bool list = false;
};

CudaSweepOptions sweep_options(const CudaSweepCliOptions& o) {
    CudaSweepOptions s;
    s.mode = o.mode;
    s.gemm_backends = o.gemm_backends;
    s.attention_backends = o.attention_backends;
    s.energy_s = o.energy;
    for (const auto& m : o.modes) {
        auto x = parse_gemm_mode(m);
        if (!x) throw UsageError("unknown --mode '" + m + "' (valid: fp32, tf32, fp16, bf16, fp8)");
        s.modes.push_back(*x);
    }
    if (!(o.budget > 0)) throw UsageError("--budget must be positive");
    if (o.energy < 0) throw UsageError("--energy must be >= 0 seconds");
    return s;
}

int list_plan(const CudaSweepOptions& s, Io io) {
    const auto plan = plan_cuda_sweep(s);
    for (const auto& c : plan) io.out << c.name << (c.held_out ? "  (held out)" : "") << '\n';
    io.out << plan.size() << " cases\n";
    return 0;
}

#ifdef FLOPMETER_HAVE_CUDA

int run_cuda_sweep_cli(const CudaSweepCliOptions& o, Io io_in) {
    check_output_paths({o.json_path, o.roofline_json});
    Io io{text_stream(io_in, {o.json_path, o.roofline_json}),
          io_in.err};  // text to stderr when data goes to stdout
    std::ostream& data_out = io_in.out;
    const CudaSweepOptions s = sweep_options(o);
    if (o.list) return list_plan(s, io);
    plan_cuda_sweep(s);  // usage errors before the device is touched
    require_cuda_device();
    MeasureOptions mo;
    mo.sampler.budget_s = o.budget;
    if (!o.roofline_json.empty()) {
        CudaRooflineOptions ro;
        ro.quick = o.mode != "full";
        const CudaRoofline r = measure_cuda_roofline(ro, &io.err);
        write_output(o.roofline_json, cuda_roofline_to_json(r).dump(2) + "\n", data_out);
        mo.ceilings = cuda_ceiling_map(r);
        io.out << "GPU roofline written to " << o.roofline_json << '\n';
    }
    MeasureContext ctx(1);
    ResultsDocument doc;
    doc.provenance = collect_provenance();
    const GpuProvenance gpu = collect_gpu_provenance();
    doc.results = run_cuda_sweep(s, mo, ctx, &io.err);
    for (const auto& w : ctx.warnings()) doc.warnings.push_back(w);

    std::map<std::string, int> count;
    for (const auto& r : doc.results) ++count[case_status_name(r.status)];
    io.out << "GPU sweep (" << s.mode << ") on " << gpu.name << ": " << doc.results.size()
           << " cases";
    for (const auto& [k, v] : count) io.out << ", " << v << " " << k;
    io.out << '\n';
    for (const auto& r : doc.results)
        if (r.status == CaseStatus::ok)
            io.out << "  " << r.name << "  " << fmt_fixed(r.model_flops_per_s() / 1e12, 1)
                   << " TFLOP/s  " << fmt_time(r.seconds()) << '\n';
        else
            io.out << "  " << r.name << "  " << case_status_name(r.status) << ": " << r.error
                   << '\n';
    if (!o.json_path.empty()) {
        write_output(o.json_path, gpu_results_json(doc, gpu), data_out);
        io.out << "Results written to " << o.json_path << '\n';
    }
    return gpu_exit_code(doc.results);
}

#else

int run_cuda_sweep_cli(const CudaSweepCliOptions& o, Io io) {
    const CudaSweepOptions s = sweep_options(o);
    if (o.list) return list_plan(s, io);
    plan_cuda_sweep(s);
    throw_built_without_cuda();
}

#endif

}  // namespace

void register_cuda_sweep(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<CudaSweepCliOptions>();
    CLI::App* sub = app.add_subcommand(
        "cuda-sweep",
        "Measure the GPU calibration sweep (GEMM and attention shapes) and its roofline");
    sub->add_option("--mode", o->mode, "smoke (seconds), quick (default, minutes), full");
    sub->add_option("--gemm-backend", o->gemm_backends, "GEMM backends (list; default cublas)")
        ->delimiter(',');
    sub->add_option("--attention-backend", o->attention_backends,
                    "attention backends (list; default flash)")
        ->delimiter(',');
    sub->add_option("--gemm-mode", o->modes, "GEMM modes (list; default: the sweep's)")
        ->delimiter(',');
    sub->add_option("--budget", o->budget, "Seconds of sampling per case at most (default 1)");
    sub->add_option("--energy", o->energy,
                    "Energy window per case in seconds (NVML; default 0 = off)");
    sub->add_option("--json", o->json_path,
                    "Write the results JSON (with the GPU's provenance) to FILE");
    sub->add_option("--roofline-json", o->roofline_json,
                    "Also measure the GPU roofline and write it to FILE");
    sub->add_flag("--list", o->list, "Print the planned cases and exit (no device needed)");
    sub->callback([o, io, &action] { action = [o, io] { return run_cuda_sweep_cli(*o, io); }; });
}

}  // namespace flopmeter
