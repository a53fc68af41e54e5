#include "calibrate/datasheet_cpu.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/memory_info.hpp"
#include "core/topology.hpp"

namespace flopmeter {

namespace {

// Sources (vendor manuals; the unit counts and widths are stated there):
const char* kAmd17h =
    "AMD Software Optimization Guide for AMD Family 17h Processors (pub. 55723), sec. 2.11 "
    "Floating-Point Unit";
const char* kAmd19h =
    "AMD Software Optimization Guide for AMD Family 19h Processors (pub. 56665), sec. 2.11 "
    "Floating-Point Unit";
const char* kAmdZen4 =
    "AMD Software Optimization Guide for the AMD Zen4 Microarchitecture (pub. 57647), sec. 2.11 "
    "Floating-Point Unit";
const char* kAmdZen5 =
    "AMD Software Optimization Guide for the AMD Zen5 Microarchitecture (pub. 58455), sec. 2.11 "
    "Floating-Point Unit; AMD Tech Day, July 2024 (512-bit datapath on desktop and server, "
    "256-bit on mobile)";
const char* kIntelAmx =
    "Intel ARK product specifications of 4th/5th/6th Gen Xeon Scalable processors ('# of AVX-512 "
    "FMA Units: 2', 2 x 16 fp32 lanes x 2); Intel, 'Accelerate AI Workloads with Intel Advanced "
    "Matrix Extensions (Intel AMX)' solution brief: 1024 bf16 operations per cycle per core (AMX "
    "TMUL); flopmeter's own bf16 kernels use AVX-512 BF16 (vdpbf16ps, 128 per cycle), not AMX";
const char* kIntelOpt =
    "Intel 64 and IA-32 Architectures Optimization Reference Manual (order no. 248966), "
    "Haswell/Skylake "
    "client microarchitecture: FMA on ports 0 and 1, 256-bit";

std::string fmt(const char* f, double x) {
    char b[64];
    std::snprintf(b, sizeof b, f, x);
    return b;
}

std::string read_first_line(const std::string& path) {
    std::ifstream f(path);
    std::string l;
    std::getline(f, l);
    return l;
}

}  // namespace

std::optional<CpuMicroarch> cpu_microarch(const CpuFeatures& f) {
    if (f.vendor == "AuthenticAMD" && f.family == 0x1A && f.avx512f) {
        // Zen 5: the desktop (Granite Ridge, models 0x40-0x4F) and server (Turin, 0x00-0x1F)
        // cores execute 512-bit ops on a full 512-bit datapath with two FMA pipes; the mobile
        // parts (Strix Point 0x20-0x2F, Krackan 0x60-0x7F) keep Zen 4's 256-bit halves.
        const bool full512 = f.model < 0x20 || (f.model >= 0x40 && f.model < 0x50);
        if (full512)
            return CpuMicroarch{
                "AMD Zen 5", 64, 32, 128,
                std::string(kAmdZen5) + ": 2 FMA pipes x 512 bit (desktop, server)"};
        return CpuMicroarch{
            "AMD Zen 5 (mobile)", 32, 16, 64,
            std::string(kAmdZen5) + ": 2 FMA pipes, 512-bit ops as two 256-bit halves (mobile)"};
    }
    if (f.vendor == "AuthenticAMD" && f.family == 0x19 && f.avx512f) {
        // Two 256-bit FMA pipes (FP0, FP1); a 512-bit op issues as two 256-bit halves, so AVX-512
        // doubles neither width nor throughput: 2 x 8 fp32 lanes x 2. VDPBF16PS multiplies two
        // bf16 pairs per fp32 lane: twice the fp32 rate.
        return CpuMicroarch{
            "AMD Zen 4", 32, 16, 64,
            std::string(kAmdZen4) + ": 2 FMA pipes x 256 bit (512-bit ops as two halves)"};
    }
    if (f.vendor == "AuthenticAMD" && f.family == 0x19)
        return CpuMicroarch{"AMD Zen 3", 32, 16, 0,
                            std::string(kAmd19h) + ": 2 FMA pipes x 256 bit"};
    if (f.vendor == "AuthenticAMD" && f.family == 0x17 && f.model >= 0x30)
        return CpuMicroarch{"AMD Zen 2", 32, 16, 0,
                            std::string(kAmd17h) + ": 2 FMA pipes x 256 bit (Zen 2)"};
    if (f.vendor == "AuthenticAMD" && f.family == 0x17)
        return CpuMicroarch{"AMD Zen / Zen+", 16, 8, 0,
                            std::string(kAmd17h) + ": 2 FMA pipes x 128 bit (Zen, Zen+)"};
    if (f.vendor == "GenuineIntel" && f.family == 6 && f.avx512f && f.amx_bf16) {
        // AMX identifies a 4th-gen or later Xeon Scalable (Sapphire, Emerald, Granite Rapids):
        // two AVX-512 FMA units on every SKU, and the AMX tile unit for bf16 matmuls. Keyed on
        // the feature, not the model number, which a hypervisor may rewrite.
        return CpuMicroarch{"Intel Xeon with AMX (Sapphire Rapids or later)", 64, 32, 1024,
                            std::string(kIntelAmx)};
    }
    if (f.vendor == "GenuineIntel" && f.family == 6 && (f.model == 0x6A || f.model == 0x6C) &&
        f.avx512f)
        return CpuMicroarch{"Intel Ice Lake-SP", 64, 32, 0,
                            "Intel 3rd Gen Xeon Scalable (Ice Lake-SP) launch, April 2021: two "
                            "AVX-512 FMA units per core "
                            "throughout the family; 2 x 16 fp32 lanes x 2"};
    if (f.vendor == "GenuineIntel" && f.family == 6 && f.fma && f.avx2 && !f.avx512f)
        return CpuMicroarch{"Intel AVX2 core (2 FMA ports)", 32, 16, 0, std::string(kIntelOpt)};
    // Skylake-SP and Cascade Lake have one or two 512-bit FMA units depending on the SKU, and
    // other vendors' cores are not in this table: no figure rather than a guess.
    return std::nullopt;
}

DeviceProfile cpu_datasheet(const CpuMicroarch& u, const CpuDatasheetInputs& in) {
    DeviceProfile p;
    p.name = "this-cpu";
    p.kind = "datasheet";
    p.device = "cpu";
    p.description = in.model + " (" + u.name + "), " + std::to_string(in.cores) +
                    " cores: datasheet of this machine";
    p.facts.name = p.description;
    p.facts.kind = "datasheet";
    const double G = 1e9;
    const std::string base = std::to_string(in.cores) + " cores x " + fmt("%.3g", in.max_ghz) +
                             " GHz (" + in.clock_source + ") x ";
    auto peak = [&](const std::string& dtype, double per_cycle, const std::string& note,
                    double* fact) {
        const double flops = in.cores * in.max_ghz * G * per_cycle;
        p.ceilings.push_back(
            {dtype, flops, 0, "",
             base + fmt("%.0f", per_cycle) + " FLOP/cycle/core " + note + "; " + u.source});
        *fact = flops;
    };
    peak("fp32", u.fp32, "(fp32 FMA)", &p.facts.fp32_peak);
    peak("fp64", u.fp64, "(fp64 FMA)", &p.facts.fp64_peak);
    if (u.bf16 > 0)
        peak("bf16", u.bf16, "(bf16 dot product, fp32 accumulation)", &p.facts.bf16_peak);
    else
        peak("bf16", u.fp32, "(no bf16 arithmetic: bf16 runs through fp32 FMA)",
             &p.facts.bf16_peak);
    p.facts.memory_bytes = in.memory_bytes;
    p.sources["memory_bytes"] = "/proc/meminfo MemTotal";
    if (in.memory_channels > 0 && in.memory_mts > 0) {
        const double bw = in.memory_channels * in.memory_mts * 1e6 * 8;
        const std::string src =
            std::to_string(in.memory_channels) + " channels x " + fmt("%.0f", in.memory_mts) +
            " MT/s x 8 B = " + fmt("%.1f", bw / 1e9) + " GB/s (" + in.memory_source + ")";
        p.facts.memory_bandwidth = bw;
        p.sources["memory_bandwidth"] = src;
        p.bandwidth.push_back({"DRAM", "read", bw, bw, 0, src});
    } else {
        p.sources["memory_bandwidth"] = "unknown: " + in.memory_source;
        p.warnings.push_back("memory bandwidth unknown (" + in.memory_source +
                             "): memory-bound time is not counted in this datasheet's estimate");
    }
    p.facts.devices_per_node = 1;
    p.sources["tdp_watts"] = "unknown";
    p.sources["price_per_hour"] = "unknown";
    return p;
}

CpuDatasheetInputs this_cpu_inputs() {
    CpuDatasheetInputs in;
    const Topology& t = topology();
    const CpuFeatures& f = cpu_features();
    in.model = !t.cpu_model.empty() ? t.cpu_model : f.brand;
    in.cores = t.cores > 0 ? t.cores : 1;
    in.memory_bytes = double(total_memory_bytes());
    // Max clock: cpufreq's hardware limit (kHz); the brand string's rated clock; or the clock
    // the kernel reports, which on a VM is the host's nominal (TSC) clock, not the boost clock.
    if (const std::string k =
            read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
        !k.empty()) {
        in.max_ghz = std::atof(k.c_str()) / 1e6;
        in.clock_source = "cpufreq cpuinfo_max_freq";
    }
    std::smatch m;
    if (!(in.max_ghz > 0) && std::regex_search(f.brand, m, std::regex(R"(@\s*([0-9.]+)\s*GHz)"))) {
        in.max_ghz = std::atof(m[1].str().c_str());
        in.clock_source = "rated clock in the CPU brand string";
    }
    if (!(in.max_ghz > 0)) {
        std::ifstream ci("/proc/cpuinfo");
        for (std::string l; std::getline(ci, l);)
            if (l.rfind("cpu MHz", 0) == 0) {
                in.max_ghz = std::atof(l.substr(l.find(':') + 1).c_str()) / 1e3;
                in.clock_source =
                    "nominal clock from /proc/cpuinfo 'cpu MHz'; the boost clock is not visible "
                    "here";
                break;
            }
    }
    // SMBIOS type 17 (memory device): speed at offset 0x15 (MT/s, 16 bit), size at 0x0C; a
    // populated device is one channel's DIMM (an approximation for 2 DIMMs per channel).
    int channels = 0;
    double mts = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/sys/firmware/dmi/entries", ec)) {
        const std::string n = e.path().filename().string();
        if (n.rfind("17-", 0) != 0) continue;
        std::ifstream raw(e.path() / "raw", std::ios::binary);
        std::string b((std::istreambuf_iterator<char>(raw)), {});
        if (b.size() < 0x17) continue;
        const int size = (unsigned char)b[0x0C] | ((unsigned char)b[0x0D] << 8);
        const int speed = (unsigned char)b[0x15] | ((unsigned char)b[0x16] << 8);
        if (size == 0 || speed == 0 || speed == 0xFFFF) continue;
        ++channels;
        mts = mts > 0 ? std::min(mts, double(speed)) : double(speed);
    }
    if (channels > 0) {
        in.memory_channels = channels;
        in.memory_mts = mts;
        in.memory_source = "SMBIOS memory devices";
    } else {
        in.memory_source =
            ec ? "SMBIOS memory devices not readable here (/sys/firmware/dmi/entries)"
               : "no populated SMBIOS memory device with a speed";
    }
    return in;
}

namespace {
struct ThisCpu {
    std::optional<DeviceProfile> profile;
    std::string error;
};

const ThisCpu& this_cpu() {
    static const ThisCpu t = [] {
        ThisCpu r;
        const CpuFeatures& f = cpu_features();
        const auto u = cpu_microarch(f);
        if (!u) {
            char id[64];
            std::snprintf(id, sizeof id, " family 0x%x model 0x%x", f.family, f.model);
            r.error =
                "no datasheet for this CPU: " + f.vendor + id + (f.avx512f ? " (AVX-512)" : "") +
                " is not in flopmeter's microarchitecture table (calibrate/datasheet_cpu.cpp)";
            return r;
        }
        const CpuDatasheetInputs in = this_cpu_inputs();
        if (!(in.max_ghz > 0)) {
            r.error = "no datasheet for this CPU: its clock is not readable";
            return r;
        }
        r.profile = cpu_datasheet(*u, in);
        return r;
    }();
    return t;
}
}  // namespace

const DeviceProfile* this_cpu_datasheet() {
    return this_cpu().profile ? &*this_cpu().profile : nullptr;
}
std::string this_cpu_datasheet_error() {
    return this_cpu().error;
}

}  // namespace flopmeter
