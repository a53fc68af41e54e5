// `flopmeter info`: what this machine is and what flopmeter will run on it.
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/atomic_file.hpp"
#include "core/isa.hpp"
#include "core/text_table.hpp"
#include "kernels/gemm/gemm_backend.hpp"
#include "kernels/gemm/own/kernel_table.hpp"
#include "measure/provenance.hpp"
#include "measure/result_json.hpp"

namespace flopmeter {

namespace {

struct InfoOptions {
    std::string json_path;
};

int run_info(const InfoOptions& o, Io io_in) {
    check_output_paths({o.json_path});
    Io io{text_stream(io_in, {o.json_path}), io_in.err};  // text to stderr when data goes to stdout
    std::ostream& data_out = io_in.out;
    const Provenance p = collect_provenance();
    if (!o.json_path.empty())
        write_output(o.json_path, provenance_to_json(p).dump(2) + "\n", data_out);
    std::ostream& os = io.out;
    os << "flopmeter " << p.tool_version << " (git " << p.git_sha << ", " << p.build_type << ", "
       << p.compiler << (p.sanitized ? ", ASan+UBSan" : "") << ")\n\n";
    os << "CPU        " << p.cpu_model << " (" << p.cpu_vendor << " family " << p.cpu_family
       << " model " << p.cpu_model_id << " stepping " << p.cpu_stepping << ")\n";
    os << "ISA        " << p.isa_flags << "\n";
    os << "Dispatch   own kernels use " << p.isa_active
       << " (highest supported: " << p.isa_supported << ")\n";
    os << "Cores      " << p.packages << " package(s), " << p.cores << " core(s), " << p.pus
       << " hardware thread(s), " << p.numa_nodes << " NUMA node(s), "
       << fmt_bytes(double(p.memory_bytes)) << " memory\n";
    for (const auto& c : p.caches)
        os << "Cache L" << c.level << "   " << fmt_bytes(double(c.size)) << " " << c.type << " x "
           << c.instances << " (line " << c.line << " B, shared by " << c.cores_sharing
           << " core(s))\n";
    os << "Topology   " << p.topology_summary << " (digest " << p.topology_digest << ")\n";
    os << "Fingerprint " << p.fingerprint << "\n";
    os << "OS         " << p.os << "\n\n";

    os << "Libraries\n";
    os << "  hwloc    " << p.hwloc_version << "\n";
    os << "  OpenBLAS " << (p.openblas_config.empty() ? "not built in" : p.openblas_config)
       << (p.openblas_corename.empty() ? "" : " -- kernel set " + p.openblas_corename) << "\n";
    os << "  oneDNN   " << (p.onednn_version.empty() ? "not built in" : p.onednn_version) << "\n\n";

    os << "GEMM backends\n";
    Table t({"backend", "dtype", "status", "kernel"});
    for (const auto& b : gemm_backends())
        for (DType d : b.dtypes) {
            const auto why = b.unavailable(d);
            std::string kernel;
            if (!why && b.name == "own") {
                try {
                    kernel = own::choose_kernel(d, isa_active()).name;
                } catch (const std::exception& e) {
                    kernel = e.what();
                }
            } else if (!why && b.name == "openblas") {
                kernel = "openblas " + p.openblas_corename;
            }
            t.add_row({b.name, std::string(dtype_name(d)),
                       why ? "unavailable: " + *why : "available", kernel});
        }
    t.print(os);

    std::vector<std::string> warns = environment_warnings();
    for (const auto& b : gemm_backends())
        for (auto& w : b.warnings()) warns.push_back(w);
    if (!p.env.empty()) {
        os << "\nEnvironment overrides set\n";
        for (const auto& [k, v] : p.env) os << "  " << k << "=" << v << "\n";
    }
    if (!warns.empty()) {
        os << "\nWarnings\n";
        for (const auto& w : warns) os << "  WARNING: " << w << "\n";
    }
    return 0;
}

}  // namespace

void register_info(CLI::App& app, Io io, Action& action) {
    auto opts = std::make_shared<InfoOptions>();
    CLI::App* sub =
        app.add_subcommand("info", "Print CPU, ISA, cores, caches, library versions and overrides");
    sub->add_option("--json", opts->json_path, "Also write the provenance record as JSON to FILE");
    sub->callback([opts, io, &action] { action = [opts, io] { return run_info(*opts, io); }; });
}

}  // namespace flopmeter
