#include "calibrate/datasheet_edge.hpp"

namespace flopmeter {

namespace {

constexpr double T = 1e12, G = 1e9, GB = 1e9, GiB = 1073741824.0;

DeviceProfile make(const std::string& name, const std::string& description, double mem, double bw,
                   const std::string& mem_src) {
    DeviceProfile p;
    p.name = name;
    p.kind = "datasheet";
    p.device = "soc";  // CPU + GPU + NPU sharing one memory
    p.description = description;
    p.facts.name = description;
    p.facts.kind = "datasheet";
    p.facts.memory_bytes = mem;
    p.facts.memory_bandwidth = bw;
    p.sources["memory_bytes"] = mem_src;
    p.sources["memory_bandwidth"] = mem_src;
    p.bandwidth.push_back({"DRAM", "read", bw, bw, 0, mem_src});
    p.facts.devices_per_node = 1;
    p.sources["intra_node_bandwidth"] = "single device: no device-to-device links";
    p.sources["inter_node_bandwidth"] = "single device: no network between devices counted";
    return p;
}

void peak(DeviceProfile& p, const std::string& dtype, double flops, const std::string& src) {
    p.ceilings.push_back({dtype, flops, 0, "", src});
    if (dtype == "bf16") p.facts.bf16_peak = flops;
    if (dtype == "fp16") p.facts.fp16_peak = flops;
    if (dtype == "fp32") p.facts.fp32_peak = flops;
    if (dtype == "int8") p.facts.int8_peak = flops;
}

void power(DeviceProfile& p, double watts, const std::string& src) {
    p.facts.tdp_watts = watts;
    p.sources["tdp_watts"] = src;
    p.facts.price_per_hour = 0;
    p.sources["price_per_hour"] = "owned device: no hourly price (set one with --price)";
}

const char* kPhoneOs =
    "assumption: the OS, its services and background apps keep about 5 GB (8 GB phone) to 6 GB (12 "
    "GB phone) "
    "out of one app's reach; iOS and Android terminate an app that grows much past that";
const char* kLaptopOs =
    "assumption: macOS with a browser and an editor open keeps about 6 GB resident";
const char* kEdgeOs = "assumption: a headless Linux image keeps about 1 GB resident";

}  // namespace

const std::vector<EdgeFacts>& edge_facts() {
    static const std::vector<EdgeFacts> v = {
        {"iphone-15-pro", "phone", 12.7, 5.0 * GB, 6.0,
         "3,274 mAh at 3.87 V (battery label in iFixit's iPhone 15 Pro teardown)", kPhoneOs,
         "assumption: ~6 W sustained SoC + DRAM power while generating (phones throttle above "
         "this)"},
        {"galaxy-s24-ultra", "phone", 19.4, 6.0 * GB, 7.0,
         "Samsung Galaxy S24 Ultra specifications: 5,000 mAh (x 3.88 V nominal)", kPhoneOs,
         "assumption: ~7 W sustained SoC + DRAM power while generating"},
        {"pixel-8-pro", "phone", 19.5, 6.0 * GB, 7.0,
         "Google Pixel 8 Pro tech specs: 5,050 mAh typical (x 3.87 V nominal)", kPhoneOs,
         "assumption: ~7 W sustained SoC + DRAM power while generating"},
        {"macbook-air-m2", "laptop", 52.6, 6.0 * GB, 20.0,
         "Apple MacBook Air (M2) tech specs: 52.6 Wh battery", kLaptopOs,
         "assumption: ~20 W package power under a sustained GPU/CPU load (fanless chassis)"},
        {"macbook-pro-m4", "laptop", 72.4, 6.0 * GB, 30.0,
         "Apple MacBook Pro 14-inch (M4) tech specs: 72.4 Wh battery", kLaptopOs,
         "assumption: ~30 W package power under a sustained GPU load"},
        {"jetson-agx-orin-64gb", "edge", 0, 1.0 * GB, 60.0, "", kEdgeOs,
         "NVIDIA Jetson AGX Orin Series data sheet: module power 15 W - 60 W (MAXN 60 W)"},
        {"jetson-orin-nano-8gb", "edge", 0, 1.0 * GB, 15.0, "", kEdgeOs,
         "NVIDIA Jetson Orin Nano Series data sheet: module power 7 W - 15 W"},
        {"raspberry-pi-5-8gb", "edge", 0, 1.0 * GB, 8.0, "", kEdgeOs,
         "assumption: ~8 W board power with all four cores busy (the official supply is 27 W USB-C "
         "PD)"},
    };
    return v;
}

const EdgeFacts* find_edge_facts(const std::string& profile) {
    for (const auto& e : edge_facts())
        if (e.profile == profile) return &e;
    return nullptr;
}

void add_edge_datasheet_profiles(std::vector<DeviceProfile>& v) {
    {
        const std::string mem =
            "8 GB LPDDR5 (iFixit / TechInsights teardown of iPhone 15 Pro); bandwidth derived: "
            "6400 MT/s x 64-bit bus = 51.2 GB/s (Apple does not publish either)";
        DeviceProfile p =
            make("iphone-15-pro", "Apple iPhone 15 Pro (A17 Pro)", 8 * GB, 51.2 * GB, mem);
        peak(p, "int8", 35 * T,
             "Apple newsroom, 'iPhone 15 Pro and iPhone 15 Pro Max' (Sept 2023): Neural Engine up "
             "to 35 trillion operations per second");
        peak(p, "fp32", 2.15 * T,
             "derived: 6-core GPU x 128 ALUs x 2 FLOP x 1.4 GHz (no Apple figure; assumption)");
        peak(p, "fp16", 2.15 * T,
             "assumption: FP16 matmuls at the FP32 rate (no separate figure published)");
        power(p, 6.0, "assumption: ~6 W sustained (see the pocket table)");
        v.push_back(p);
    }
    {
        const std::string mem =
            "Qualcomm Snapdragon 8 Gen 3 product brief: LPDDR5X up to 4800 MHz (9600 MT/s) x "
            "64-bit = "
            "76.8 GB/s; Samsung Galaxy S24 Ultra specifications: 12 GB";
        DeviceProfile p = make("galaxy-s24-ultra", "Samsung Galaxy S24 Ultra (Snapdragon 8 Gen 3)",
                               12 * GB, 76.8 * GB, mem);
        peak(p, "int8", 34 * T,
             "assumption: Hexagon NPU ~34 INT8 TOPS as reported by reviews (Qualcomm publishes no "
             "figure)");
        peak(p, "fp32", 2.8 * T,
             "assumption: Adreno 750 ~2.8 TFLOPS FP32 (reviews; no Qualcomm figure)");
        peak(p, "fp16", 2.8 * T,
             "assumption: FP16 matmuls at the FP32 rate (no separate figure published)");
        power(p, 7.0, "assumption: ~7 W sustained");
        v.push_back(p);
    }
    {
        const std::string mem =
            "Google Pixel 8 Pro tech specs: 12 GB LPDDR5X; bandwidth derived assuming 8533 MT/s x "
            "64-bit = "
            "68.3 GB/s (Google publishes no bandwidth)";
        DeviceProfile p =
            make("pixel-8-pro", "Google Pixel 8 Pro (Tensor G3)", 12 * GB, 68.3 * GB, mem);
        peak(p, "fp32", 1.5 * T, "assumption: Mali-G715 MC7 ~1.5 TFLOPS FP32 (no Google figure)");
        peak(p, "fp16", 1.5 * T,
             "assumption: FP16 matmuls at the FP32 rate (no separate figure published)");
        power(p, 7.0, "assumption: ~7 W sustained");
        v.push_back(p);
    }
    {
        const std::string s =
            "Apple newsroom, 'Apple unveils M2' (June 2022): 100 GB/s unified memory bandwidth, up "
            "to 24 GB, "
            "GPU up to 3.6 TFLOPS, Neural Engine 15.8 trillion operations per second";
        DeviceProfile p =
            make("macbook-air-m2", "Apple MacBook Air (M2, 24 GB)", 24 * GB, 100 * GB, s);
        peak(p, "fp32", 3.6 * T, s);
        peak(p, "int8", 15.8 * T, s + " (Neural Engine)");
        peak(p, "fp16", 3.6 * T,
             "assumption: FP16 matmuls at the FP32 rate (no separate figure published)");
        power(p, 20.0, "assumption: ~20 W sustained package power");
        v.push_back(p);
    }
    {
        const std::string s =
            "Apple newsroom, 'Apple introduces M4 chip' (May 2024): 120 GB/s unified memory "
            "bandwidth, "
            "Neural Engine 38 trillion operations per second; MacBook Pro 14-inch (M4) tech specs: "
            "up to 32 GB";
        DeviceProfile p =
            make("macbook-pro-m4", "Apple MacBook Pro 14-inch (M4, 32 GB)", 32 * GB, 120 * GB, s);
        peak(p, "int8", 38 * T, s + " (Neural Engine)");
        peak(p, "fp32", 4.3 * T,
             "derived: 10-core GPU x 128 ALUs x 2 FLOP x ~1.7 GHz (no Apple figure; assumption)");
        peak(p, "fp16", 4.3 * T,
             "assumption: FP16 matmuls at the FP32 rate (no separate figure published)");
        power(p, 30.0, "assumption: ~30 W sustained package power");
        v.push_back(p);
    }
    {
        const std::string s =
            "NVIDIA Jetson AGX Orin Series data sheet: 64 GB 256-bit LPDDR5, 204.8 GB/s; 275 INT8 "
            "TOPS "
            "with sparsity (halved: 137.5 dense); Ampere GPU 2048 CUDA cores at 1.3 GHz";
        DeviceProfile p =
            make("jetson-agx-orin-64gb", "NVIDIA Jetson AGX Orin 64GB", 64 * GB, 204.8 * GB, s);
        peak(p, "int8", 137.5 * T, s);
        peak(p, "fp16", 42.5 * T,
             "derived: GPU tensor cores 85 FP16 TFLOPS with sparsity (data sheet) halved");
        peak(p, "fp32", 5.3 * T, "derived: 2048 CUDA cores x 2 FLOP x 1.3 GHz");
        power(p, 60.0, s + "; module power 15-60 W");
        v.push_back(p);
    }
    {
        const std::string s =
            "NVIDIA Jetson Orin Nano Series data sheet: 8 GB 128-bit LPDDR5, 68 GB/s; 40 INT8 TOPS "
            "with "
            "sparsity (halved: 20 dense); Ampere GPU 1024 CUDA cores at 625 MHz";
        DeviceProfile p =
            make("jetson-orin-nano-8gb", "NVIDIA Jetson Orin Nano 8GB", 8 * GB, 68 * GB, s);
        peak(p, "int8", 20 * T, s);
        peak(p, "fp32", 1.28 * T, "derived: 1024 CUDA cores x 2 FLOP x 625 MHz");
        peak(p, "fp16", 1.28 * T,
             "assumption: FP16 matmuls at the FP32 rate (no separate figure published)");
        power(p, 15.0, s + "; module power 7-15 W");
        v.push_back(p);
    }
    {
        const std::string s =
            "Raspberry Pi 5 product brief: BCM2712 quad-core Cortex-A76 at 2.4 GHz, LPDDR4X-4267 "
            "(8 GB); "
            "bandwidth derived: 4267 MT/s x 32-bit bus = 17.1 GB/s";
        DeviceProfile p = make("raspberry-pi-5-8gb", "Raspberry Pi 5 (8 GB)", 8 * GB, 17.1 * GB, s);
        peak(p, "fp32", 153.6 * G,
             "derived: 4 cores x 2 x 128-bit NEON FMA (16 FLOP/cycle) x 2.4 GHz");
        peak(p, "int8", 614.4 * G,
             "derived: 4 cores x 2 x 128-bit SDOT (64 int8 ops/cycle) x 2.4 GHz");
        peak(p, "fp16", 153.6 * G,
             "assumption: FP16 matmuls at the FP32 rate (no separate figure published)");
        power(p, 8.0, "assumption: ~8 W board power under load");
        v.push_back(p);
    }
    (void)GiB;
}

}  // namespace flopmeter
