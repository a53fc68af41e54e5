// `flopmeter cuda-info`: the GPU, its driver and libraries, and which GPU backends run on it.
#include <memory>

#include "cli/commands.hpp"
#include "cli/cuda_cli.hpp"
#include "cli/output.hpp"

#ifdef FLOPMETER_HAVE_CUDA
#include "core/atomic_file.hpp"
#include "core/text_table.hpp"
#include "kernels/cuda/attention/gpu_attention_backend.hpp"
#include "kernels/cuda/common/cuda_device.hpp"
#include "kernels/cuda/gemm/gpu_gemm_backend.hpp"
#include "measure/cuda/gpu_provenance.hpp"
#endif

namespace flopmeter {

namespace {

struct CudaInfoOptions {
    std::string json_path;
};

#ifdef FLOPMETER_HAVE_CUDA
int run_cuda_info(const CudaInfoOptions& o, Io io_in) {
    check_output_paths({o.json_path});
    Io io{text_stream(io_in, {o.json_path}), io_in.err};  // text to stderr when data goes to stdout
    std::ostream& data_out = io_in.out;
    require_cuda_device();
    const GpuProvenance g = collect_gpu_provenance();
    if (!o.json_path.empty())
        write_output(o.json_path, gpu_provenance_to_json(g).dump(2) + "\n", data_out);
    std::ostream& os = io.out;
    os << "GPU        " << g.name << " (" << g.uuid << ", PCI " << g.pci_bus_id << ")\n";
    os << "Arch       compute capability " << g.cc_major << "." << g.cc_minor << ", " << g.sms
       << " SMs\n";
    os << "Memory     " << fmt_bytes(double(g.memory_bytes)) << ", " << g.memory_bus_bits
       << "-bit bus, L2 " << fmt_bytes(double(g.l2_bytes)) << ", shared memory per block up to "
       << fmt_bytes(double(g.smem_per_block_optin)) << "\n";
    os << "Clocks     SM up to " << g.sm_clock_max_mhz << " MHz, memory " << g.mem_clock_max_mhz
       << " MHz"
       << (g.power_limit_w > 0 ? ", power limit " + fmt_fixed(g.power_limit_w, 0) + " W" : "")
       << "\n";
    os << "Driver     " << g.driver_version << " (CUDA driver API " << g.cuda_driver_api << ")\n";
    os << "Libraries  CUDA runtime " << g.cuda_runtime << ", cuBLAS " << g.cublas << ", cuBLASLt "
       << g.cublaslt << ", cuDNN " << g.cudnn << "\n";
    os << "NVML       "
       << (g.nvml ? "available (clocks, throttle reasons, power, energy)" : g.nvml_reason) << "\n";
    os << "Fingerprint " << g.fingerprint() << "\n\n";

    os << "GPU GEMM backends (availability for a 4096^3 problem in layout nn; fp8 in nt)\n";
    Table t({"backend", "mode", "status"});
    for (const auto& b : gpu_gemm_backends())
        for (GemmMode m : b.modes) {
            GpuGemmProblem p{4096, 4096, 4096, m == GemmMode::fp8 ? Layout::nt : Layout::nn,
                             m,    1.0,  0.0};
            const auto why = b.unavailable(p);
            t.add_row({b.name, std::string(gemm_mode_name(m)),
                       why ? "unavailable: " + *why : "available"});
        }
    t.print(os);
    os << "\nGPU attention backends (bf16, head_dim 128)\n";
    Table a({"backend", "status", "description"});
    for (const auto& b : gpu_attention_backends()) {
        GpuAttentionProblem p;
        const auto why = b.unavailable(p);
        a.add_row({b.name, why ? "unavailable: " + *why : "available", b.description});
    }
    a.print(os);
    return 0;
}
#else
int run_cuda_info(const CudaInfoOptions&, Io) {
    throw_built_without_cuda();
}
#endif

}  // namespace

void register_cuda_info(CLI::App& app, Io io, Action& action) {
    auto o = std::make_shared<CudaInfoOptions>();
    CLI::App* sub = app.add_subcommand(
        "cuda-info", "Print the GPU, driver, CUDA/cuBLAS/cuDNN versions and GPU backends");
    sub->add_option("--json", o->json_path, "Also write the GPU provenance record as JSON to FILE");
    sub->callback([o, io, &action] { action = [o, io] { return run_cuda_info(*o, io); }; });
}

}  // namespace flopmeter
