// Shared helpers of the GPU commands; `roofline --device cuda`.
#include <memory>
#include <sstream>

#include "cli/cuda_cli.hpp"
#include "cli/output.hpp"
#include "core/error.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include "core/atomic_file.hpp"
#include "core/text_table.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "measure/cuda/roofline/cuda_roofline.hpp"
#endif

namespace flopmeter {

void throw_built_without_cuda() {
    throw UnavailableError(
        "flopmeter was built without CUDA (nvcc was not found when it was configured, or "
        "-DFLOPMETER_CUDA=OFF); "
        "rebuild with the CUDA toolkit installed for GPU commands");
}

std::string gpu_results_json(const ResultsDocument& doc, const GpuProvenance& gpu) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(results_to_json_string(doc));
    j["gpu"] = gpu_provenance_to_json(gpu);
    return j.dump(2) + "\n";
}

int gpu_exit_code(const std::vector<CaseResult>& results) {
    bool invalid = false, failed = false;
    for (const auto& r : results) {
        invalid = invalid || r.status == CaseStatus::validation_failed;
        failed = failed || r.status == CaseStatus::error;
    }
    return invalid ? 1 : failed ? 2 : 0;
}

#ifdef FLOPMETER_HAVE_CUDA

int run_roofline_cuda(bool quick, const std::string& json_path, Io io_in) {
    check_output_paths({json_path});
    Io io{text_stream(io_in, {json_path}), io_in.err};  // text to stderr when data goes to stdout
    std::ostream& data_out = io_in.out;
    require_cuda_device();
    CudaRooflineOptions o;
    o.quick = quick;
    const CudaRoofline r = measure_cuda_roofline(o, &io.err);
    const GpuProvenance& d = r.device;
    io.out << "GPU roofline on " << d.name << " (cc " << d.cc_major << "." << d.cc_minor << ", "
           << d.sms << " SMs, " << fmt_bytes(double(d.memory_bytes)) << ", driver "
           << d.driver_version << ")\n\n";
    Table t({"dtype", "kind", "TFLOP/s", "spread", "kernel", "source"});
    for (const auto& c : r.ceilings)
        t.add_row({c.dtype, c.kind, fmt_fixed(c.flops_per_s / 1e12, 1),
                   fmt_fixed(100.0 * c.spread, 1) + "%", c.kernel, c.source});
    t.print(io.out);
    io.out << "\nDevice memory bandwidth (bytes read + written, best of trials)\n\n";
    Table b({"level", "kernel", "GB/s", "working set", "spread"});
    for (const auto& w : r.bandwidth)
        b.add_row({w.level, w.kernel, fmt_fixed(w.bytes_per_s / 1e9, 0),
                   fmt_bytes(double(w.working_set)), fmt_fixed(100.0 * w.spread, 1) + "%"});
    b.print(io.out);
    if (!json_path.empty()) {
        write_output(json_path, cuda_roofline_to_json(r).dump(2) + "\n", data_out);
        io.out << "\nGPU roofline written to " << json_path << '\n';
    }
    return 0;
}

#else

int run_roofline_cuda(bool, const std::string&, Io) {
    throw_built_without_cuda();
}

#endif

}  // namespace flopmeter
