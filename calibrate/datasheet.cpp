#include "calibrate/datasheet.hpp"
#include "calibrate/datasheet_attention.hpp"
#include "calibrate/datasheet_cpu.hpp"
#include "calibrate/datasheet_edge.hpp"
#include "calibrate/gemm_waves.hpp"

#include <algorithm>
#include <cctype>

namespace flopmeter {

namespace {

constexpr double T = 1e12, G = 1e9, GiB = 1073741824.0, GB = 1e9;

const char* kPriceNote =
    "assumption: representative 2025 on-demand cloud price per device-hour (USD); prices vary by "
    "provider and commitment - set yours with --price";

DeviceProfile make(const std::string& name, const std::string& device,
                   const std::string& description) {
    DeviceProfile p;
    p.name = name;
    p.kind = "datasheet";
    p.device = device;
    p.description = description;
    p.facts.name = description;
    p.facts.kind = "datasheet";
    return p;
}

void peak(DeviceProfile& p, const std::string& dtype, double flops, const std::string& src) {
    p.ceilings.push_back({dtype, flops, 0, "", src});
    double* f = nullptr;
    if (dtype == "bf16") f = &p.facts.bf16_peak;
    if (dtype == "fp16") f = &p.facts.fp16_peak;
    if (dtype == "fp32") f = &p.facts.fp32_peak;
    if (dtype == "fp64") f = &p.facts.fp64_peak;
    if (dtype == "fp8") f = &p.facts.fp8_peak;
    if (dtype == "int8") f = &p.facts.int8_peak;
    if (f) *f = flops;
}

void memory(DeviceProfile& p, double bytes, double bw, const std::string& level,
            const std::string& src) {
    p.facts.memory_bytes = bytes;
    p.facts.memory_bandwidth = bw;
    p.sources["memory_bytes"] = src;
    p.sources["memory_bandwidth"] = src;
    p.bandwidth.push_back({level, "read", bw, bw, 0, src});
}

void links(DeviceProfile& p, double intra, double inter, int per_node, const std::string& src_intra,
           const std::string& src_inter) {
    p.facts.intra_node_bandwidth = intra;
    p.facts.inter_node_bandwidth = inter;
    p.facts.devices_per_node = per_node;
    p.sources["intra_node_bandwidth"] = src_intra;
    p.sources["inter_node_bandwidth"] = src_inter;
}

void power_price(DeviceProfile& p, double tdp, const std::string& tdp_src, double price) {
    p.facts.tdp_watts = tdp;
    p.sources["tdp_watts"] = tdp_src;
    p.facts.price_per_hour = price;
    p.sources["price_per_hour"] = kPriceNote;
}

// 400 Gb/s InfiniBand NDR per GPU (8 NICs per 8-GPU node) = 50 GB/s per direction.
const char* kIbNdr =
    "assumption: one 400 Gb/s InfiniBand NDR port per GPU (NVIDIA DGX H100/H200 reference design) "
    "= 50 GB/s";

std::vector<DeviceProfile> build() {
    std::vector<DeviceProfile> v;
    {
        const std::string s =
            "NVIDIA H100 Tensor Core GPU datasheet (SXM5; tensor-core figures halved from the "
            "'with sparsity' column)";
        DeviceProfile p = make("h100-sxm", "cuda", "NVIDIA H100 SXM5 80GB");
        peak(p, "bf16", 989.4 * T, s);
        peak(p, "fp16", 989.4 * T, s);
        peak(p, "fp8", 1978.9 * T, s);
        peak(p, "tf32", 494.7 * T, s);
        peak(p, "int8", 1978.9 * T, s);
        peak(p, "fp32", 66.9 * T, s);
        peak(p, "fp64", 66.9 * T, s + " (FP64 tensor core)");
        memory(p, 80 * GB, 3.35e12, "HBM", s + ": 80 GB HBM3, 3.35 TB/s");
        links(p, 450 * GB, 50 * GB, 8,
              s + ": NVLink 900 GB/s bidirectional = 450 GB/s per direction", kIbNdr);
        power_price(p, 700, s + ": max TDP up to 700 W", 3.00);
        v.push_back(p);
    }
    {
        const std::string s =
            "NVIDIA H200 Tensor Core GPU datasheet (SXM; tensor-core figures halved from the "
            "'with sparsity' column)";
        DeviceProfile p = make("h200", "cuda", "NVIDIA H200 SXM 141GB");
        peak(p, "bf16", 989.4 * T, s);
        peak(p, "fp16", 989.4 * T, s);
        peak(p, "fp8", 1978.9 * T, s);
        peak(p, "tf32", 494.7 * T, s);
        peak(p, "int8", 1978.9 * T, s);
        peak(p, "fp32", 66.9 * T, s);
        peak(p, "fp64", 66.9 * T, s + " (FP64 tensor core)");
        memory(p, 141 * GB, 4.8e12, "HBM", s + ": 141 GB HBM3e, 4.8 TB/s");
        links(p, 450 * GB, 50 * GB, 8,
              s + ": NVLink 900 GB/s bidirectional = 450 GB/s per direction", kIbNdr);
        power_price(p, 700, s + ": max TDP up to 700 W", 3.50);
        v.push_back(p);
    }
    {
        // The H800 is the H100 SXM5 die with NVLink cut to 400 GB/s (and FP64 reduced); its
        // tensor-core rates are the H100 SXM5's.
        const std::string s =
            "NVIDIA H800 Tensor Core GPU product brief (SXM5; tensor-core figures as H100 SXM5 "
            "datasheet, halved from the 'with sparsity' column)";
        DeviceProfile p = make("h800", "cuda", "NVIDIA H800 SXM5 80GB");
        peak(p, "bf16", 989.4 * T, s);
        peak(p, "fp16", 989.4 * T, s);
        peak(p, "fp8", 1978.9 * T, s);
        peak(p, "tf32", 494.7 * T, s);
        peak(p, "int8", 1978.9 * T, s);
        peak(p, "fp32", 66.9 * T, s);
        memory(p, 80 * GB, 3.35e12, "HBM", s + ": 80 GB HBM3, 3.35 TB/s");
        links(p, 200 * GB, 50 * GB, 8,
              s + ": NVLink 400 GB/s bidirectional = 200 GB/s per direction",
              "DeepSeek-AI 2024, DeepSeek-V3 Technical Report, sections 3.1 and 3.2.2: H800 nodes, "
              "one 400 Gb/s "
              "InfiniBand NIC per GPU, 'IB (50 GB/s)'");
        power_price(p, 700, s + ": max TDP up to 700 W", 2.00);
        p.sources["price_per_hour"] =
            "DeepSeek-V3 Technical Report, Table 1: USD 2 per H800 GPU-hour rental (assumed there)";
        v.push_back(p);
    }
    {
        const std::string s = "NVIDIA H20 product brief (HGX H20; dense tensor-core figures)";
        DeviceProfile p = make("h20", "cuda", "NVIDIA H20 96GB");
        peak(p, "bf16", 148 * T, s);
        peak(p, "fp16", 148 * T, s);
        peak(p, "fp8", 296 * T, s);
        peak(p, "tf32", 74 * T, s);
        peak(p, "int8", 296 * T, s);
        peak(p, "fp32", 44 * T, s);
        memory(p, 96 * GB, 4.0e12, "HBM", s + ": 96 GB HBM3, 4.0 TB/s");
        links(p, 450 * GB, 50 * GB, 8,
              s + ": NVLink 900 GB/s bidirectional = 450 GB/s per direction", kIbNdr);
        power_price(p, 400, s + ": TDP 400 W", 1.50);
        v.push_back(p);
    }
    {
        // One Blackwell GPU of a GB200 NVL72 rack: 72 GPUs share one NVLink domain.
        const std::string s =
            "NVIDIA GB200 NVL72 specifications (per GPU = rack figure / 72; dense = half of the "
            "'with sparsity' figures: FP8 720 PFLOPS, FP16/BF16 360 PFLOPS, TF32 180 PFLOPS per "
            "rack)";
        DeviceProfile p =
            make("gb200", "cuda", "NVIDIA GB200 (one Blackwell GPU of an NVL72 rack)");
        peak(p, "bf16", 2500 * T, s);
        peak(p, "fp16", 2500 * T, s);
        peak(p, "fp8", 5000 * T, s);
        peak(p, "tf32", 1250 * T, s);
        peak(p, "int8", 5000 * T, s);
        memory(p, 186 * GB, 8.0e12, "HBM",
               s + ": up to 13.4 TB HBM3e and 576 TB/s per 72 GPUs (186 GB, 8 TB/s each)");
        links(p, 900 * GB, 100 * GB, 72,
              s + ": fifth-generation NVLink 1.8 TB/s per GPU bidirectional = 900 GB/s per "
                  "direction, all 72 GPUs in one NVLink domain",
              "NVIDIA GB200 NVL72 reference architecture: one 800 Gb/s ConnectX-8/Quantum-X800 "
              "port per GPU = 100 GB/s "
              "(assumption where a deployment uses 400 Gb/s)");
        power_price(p, 1200,
                    "assumption: ~1,200 W per GPU (GB200 superchip: two GPUs and a Grace CPU at up "
                    "to 2.7 kW, "
                    "NVIDIA GB200 NVL72 specifications)",
                    6.00);
        v.push_back(p);
    }
    {
        const std::string s =
            "AMD Instinct MI355X GPU datasheet (dense figures; 'with structured sparsity' "
            "excluded)";
        DeviceProfile p = make("mi355x", "rocm", "AMD Instinct MI355X 288GB");
        peak(p, "bf16", 2516.6 * T, s);
        peak(p, "fp16", 2516.6 * T, s);
        peak(p, "fp8", 5033.2 * T, s);
        peak(p, "int8", 5033.2 * T, s);
        peak(p, "fp32", 157.3 * T, s + " (FP32 vector)");
        peak(p, "fp64", 78.6 * T, s + " (FP64 vector)");
        memory(p, 288 * GB, 8.0e12, "HBM", s + ": 288 GB HBM3E, 8 TB/s");
        links(p, 537.6 * GB, 50 * GB, 8,
              s + ": 7 Infinity Fabric links of 153.6 GB/s, 1,075.2 GB/s aggregate "
                  "bidirectional = 537.6 GB/s per direction",
              "assumption: one 400 Gb/s NIC per GPU = 50 GB/s");
        power_price(p, 1400, s + ": total board power 1,400 W", 3.50);
        v.push_back(p);
    }
    {
        const std::string s =
            "NVIDIA A100 Tensor Core GPU datasheet (80GB SXM; tensor-core figures without "
            "sparsity)";
        DeviceProfile p = make("a100-80gb", "cuda", "NVIDIA A100 SXM4 80GB");
        peak(p, "bf16", 312 * T, s);
        peak(p, "fp16", 312 * T, s);
        peak(p, "tf32", 156 * T, s);
        peak(p, "int8", 624 * T, s);
        peak(p, "fp32", 19.5 * T, s);
        peak(p, "fp64", 19.5 * T, s + " (FP64 tensor core)");
        memory(p, 80 * GB, 2.039e12, "HBM", s + ": 80 GB HBM2e, 2,039 GB/s");
        links(p, 300 * GB, 25 * GB, 8,
              s + ": NVLink 600 GB/s bidirectional = 300 GB/s per direction",
              "assumption: one 200 Gb/s InfiniBand HDR port per GPU (NVIDIA DGX A100 reference "
              "design) = 25 GB/s");
        power_price(p, 400, s + ": max TDP 400 W", 1.80);
        v.push_back(p);
    }
    {
        const std::string s =
            "NVIDIA HGX B200 specifications (per GPU = platform figure / 8; dense = half of the "
            "'with sparsity' figures)";
        DeviceProfile p = make("b200", "cuda", "NVIDIA B200 (HGX)");
        peak(p, "bf16", 2250 * T, s);
        peak(p, "fp16", 2250 * T, s);
        peak(p, "fp8", 4500 * T, s);
        peak(p, "tf32", 1100 * T, s);
        peak(p, "int8", 4500 * T, s);
        peak(p, "fp64", 37 * T, s);
        peak(p, "fp32", 75 * T,
             "assumption: FP32 non-tensor ~75 TFLOPS (NVIDIA Blackwell architecture brief); not in "
             "the HGX table");
        memory(p, 180 * GB, 7.7e12, "HBM", s + ": 1,440 GB HBM3e and 62 TB/s per 8 GPUs");
        links(
            p, 900 * GB, 50 * GB, 8,
            s + ": fifth-generation NVLink 1.8 TB/s per GPU bidirectional = 900 GB/s per direction",
            "assumption: one 400 Gb/s InfiniBand/Ethernet port per GPU (DGX B200 reference design) "
            "= 50 GB/s");
        power_price(
            p, 1000,
            "NVIDIA DGX B200 datasheet: ~14.3 kW per 8-GPU system; B200 GPU TDP 1,000 W (HGX B200)",
            5.00);
        v.push_back(p);
    }
    {
        const std::string s =
            "AMD Instinct MI300X accelerator datasheet (dense figures; 'with structured sparsity' "
            "excluded)";
        DeviceProfile p = make("mi300x", "rocm", "AMD Instinct MI300X 192GB");
        peak(p, "bf16", 1307.4 * T, s);
        peak(p, "fp16", 1307.4 * T, s);
        peak(p, "fp8", 2614.9 * T, s);
        peak(p, "tf32", 653.7 * T, s);
        peak(p, "int8", 2614.9 * T, s);
        peak(p, "fp32", 163.4 * T, s + " (FP32 matrix)");
        peak(p, "fp64", 163.4 * T, s + " (FP64 matrix)");
        memory(p, 192 * GB, 5.3e12, "HBM", s + ": 192 GB HBM3, 5.3 TB/s");
        links(p, 448 * GB, 50 * GB, 8,
              s + ": 7 Infinity Fabric links, 896 GB/s aggregate bidirectional = 448 GB/s per "
                  "direction",
              "assumption: one 400 Gb/s NIC per GPU = 50 GB/s");
        power_price(p, 750, s + ": total board power 750 W", 2.50);
        v.push_back(p);
    }
    {
        const std::string s =
            "Google Cloud TPU v5p documentation (system architecture: per-chip specifications)";
        DeviceProfile p = make("tpu-v5p", "tpu", "Google Cloud TPU v5p chip");
        peak(p, "bf16", 459 * T, s);
        peak(p, "int8", 918 * T, s);
        memory(p, 95 * GB, 2.765e12, "HBM", s + ": 95 GiB HBM2e, 2,765 GB/s");
        links(p, 600 * GB, 600 * GB, 4,
              s + ": inter-chip interconnect 4,800 Gbps per chip = 600 GB/s (3D torus: ICI spans "
                  "hosts)",
              s + ": ICI spans hosts in a pod");
        power_price(p, 450, "", 4.20);
        p.sources["tdp_watts"] =
            "assumption: Google does not publish TPU v5p chip power; 450 W used for energy "
            "estimates";
        p.sources["price_per_hour"] =
            "Google Cloud TPU pricing page: v5p on-demand USD 4.20 per chip-hour (us-east5, "
            "2024); " +
            std::string(kPriceNote);
        v.push_back(p);
    }
    {
        // A generic 2-socket-class server CPU from stated parameters (not a product).
        const std::string s =
            "derived: 64 cores x 2.5 GHz x 2 AVX-512 FMA units (fp32: 64 FLOP/cycle/core; fp64: "
            "32; "
            "bf16 dot: 128)";
        DeviceProfile p =
            make("cpu-generic", "cpu", "Generic 64-core AVX-512 server CPU (stated parameters)");
        peak(p, "fp32", 64 * 2.5 * G * 64, s);
        peak(p, "fp64", 64 * 2.5 * G * 32, s);
        peak(p, "bf16", 64 * 2.5 * G * 128, s);
        memory(p, 512 * GiB, 12 * 4800e6 * 8, "DRAM",
               "derived: 12 channels DDR5-4800 x 8 B = 460.8 GB/s, 512 GiB");
        links(p, 0, 25 * GB, 1, "single device per node", "assumption: one 200 Gb/s NIC = 25 GB/s");
        power_price(p, 360, "assumption: 360 W TDP (typical for 64-core server parts)", 1.50);
        v.push_back(p);
    }
    add_edge_datasheet_profiles(
        v);  // phones, laptops, Jetson, Raspberry Pi (calibrate/datasheet_edge.cpp)
    return v;
}

std::string norm(const std::string& s) {
    std::string r;
    for (char c : s)
        if (c != '-' && c != '_' && c != ' ')
            r += char(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

}  // namespace

std::vector<DeviceProfile> datasheet_profiles() {
    static const std::vector<DeviceProfile> v = build();
    return v;
}

const DeviceProfile* find_datasheet_profile(const std::string& name) {
    if (norm(name) == "thiscpu") return this_cpu_datasheet();  // calibrate/datasheet_cpu.hpp
    static const std::vector<DeviceProfile> v = build();
    for (const auto& p : v)
        if (norm(p.name) == norm(name)) return &p;
    return nullptr;
}

DatasheetEfficiency datasheet_efficiency(const DeviceProfile& p) {
    DatasheetEfficiency e;
    if (p.device == "cpu") {
        e.gemm = 0.85;
        e.attention = 0.50;
        e.memory = 0.70;
        e.source =
            "CPU: assumption, vendor BLAS at 85% of peak at large sizes (OpenBLAS/oneDNN reach "
            "85-92% in their "
            "published benchmarks); attention 50% and memory-bound ops 70% of DRAM peak are "
            "assumptions - "
            "`flopmeter calibrate` measures all three on your machine";
    } else {
        e.source =
            "GEMM 0.75 in full waves: DeepGEMM README (deepseek-ai/DeepGEMM, 2025), FP8 GEMMs of "
            "DeepSeek-V3's "
            "shapes on H800 at up to 1,550 TFLOPS = 78% of the 1,979 dense peak; attention without "
            "measured "
            "curves 0.50: FlashAttention-2 (Dao 2023, abstract) 50-73% of A100 peak forward; "
            "memory-bound "
            "kernels 80% of HBM peak and collectives 80% of link bandwidth plus 10 us per step are "
            "assumptions - `flopmeter calibrate` measures them";
        // SM counts: NVIDIA H100 Tensor Core GPU Architecture whitepaper (H100 SXM5: 132 SMs; the
        // H800 and H200 SXM are the same GH100 configuration: DeepSeek-V3 report section 3.2.2
        // counts the H800's 132 SMs); NVIDIA A100 Tensor Core GPU Architecture whitepaper (108
        // SMs).
        const std::string n = norm(p.name);
        if (n == "h100sxm" || n == "h800" || n == "h200") {
            e.sms = 132;
            // DeepGEMM README as released (deepseek-ai/DeepGEMM, February 2025), H800: the largest
            // normal FP8 GEMM of its table (M 4096, N 7168, K 16384) at 1,358 TFLOPS = 0.686 of the
            // 1,979 dense FP8 peak; its MoE grouped GEMMs 1,093-1,297 TFLOPS. (Later releases reach
            // 1,550 TFLOPS after April 2025 optimisations, after DeepSeek-V3 was trained.) Stated
            // in full waves: divided by that shape's own wave efficiency, so the model returns the
            // measurement at the measured shape.
            // Fixed per-tile cost: the same table's M 4096 N 7168 GEMM runs at 1,025 TFLOPS with
            // K 2048 and 1,358 with K 16384 on the same tile grid; k / (k + k0) fits both with
            // k0 = 800 (and its K 512 / 1536 / 7168 rows, 590 / 990 / 1,304, within 6%). 16-bit
            // GEMMs: the same cycles at half the tensor-core rate per SM (H100 whitepaper: FP8 2x
            // FP16/BF16), k0 = 400.
            e.tile_k0_fp8 = 800;
            e.tile_k0 = 400;
            e.gemm_fp8 =
                (1358.0 / 1978.9) / (gemm_wave_quantization(4096, 7168, 16384, 1, 132).efficiency *
                                     gemm_tile_depth_efficiency(16384, e.tile_k0_fp8));
            e.hopper_attention = true;
            e.source +=
                "; FP8 GEMMs (fine-grained scaling): DeepGEMM README table as released (February "
                "2025), "
                "M 4096 N 7168 K 16384 at 1,358 TFLOPS on H800 (0.686 of the FP8 peak; 0.743 in "
                "full waves "
                "and full depth); per-tile fixed cost k0 = 800 of K depth from the same table (M "
                "4096 N 7168: "
                "K 2048 1,025 TFLOPS, K 16384 1,358), 400 for 16-bit GEMMs (half the tensor-core "
                "rate per SM)";
            e.source +=
                "; SMs 132 (NVIDIA H100 architecture whitepaper, H100 SXM5); fused attention per "
                "kernel, head "
                "dim, length and direction from FlashAttention-3 (Shah et al. 2024) Figures 5-6, "
                "default "
                "cuDNN: " +
                std::string(attention_kernel_default_source());
        } else if (n == "a10080gb") {
            e.sms = 108;
            // The Hopper per-tile cost in cycles at the A100 SM's tensor rate: 312 TFLOPS / 108
            // SMs / 1.41 GHz = 2,048 FLOP per clock, half the H100 SXM5 SM's 16-bit rate.
            e.tile_k0 = 200;
            e.source +=
                "; SMs 108 (NVIDIA A100 architecture whitepaper); per-tile fixed cost k0 = 200 of "
                "K depth "
                "(the Hopper figure, 400, at the A100 SM's half tensor-core rate per clock)";
        }
    }
    return e;
}

}  // namespace flopmeter
