// Built-in datasheet profiles: dense (never sparse) peaks per dtype, memory, bandwidth, links,
// TDP and a default price, each with its source. Their rate model is peak x a stated
// efficiency, shaped where published measurements allow: GEMMs lose the tile and wave
// quantization of the device's SM count (calibrate/gemm_waves.hpp), and fused attention on
// Hopper runs at the measured speed of its implementation, head dim, length and direction
// (calibrate/datasheet_attention.hpp). Labelled datasheet everywhere it is used.
#pragma once

#include <string>
#include <vector>

#include "calibrate/profile.hpp"

namespace flopmeter {

// Default efficiencies of the datasheet rate model (fractions of peak), stated and cited.
struct DatasheetEfficiency {
    double gemm = 0.75;  // dense GEMMs in full waves, fraction of dense peak
    // FP8 GEMMs with fine-grained (1x128 / 128x128 block) scaling, fraction of the FP8 dense
    // peak; 0: none known, FP8 answered as the 16-bit rate x the peak ratio.
    double gemm_fp8 = 0;
    double attention = 0.50;  // fused attention without measured curves, fraction of dense peak
    double memory = 0.80;     // memory-bound ops, fraction of peak bandwidth
    double comm = 0.80;       // collectives, fraction of link bandwidth
    double comm_latency_s = 10e-6;  // per collective step (assumption)
    // Streaming multiprocessors for GEMM wave quantization; 0: unknown, no quantization.
    int sms = 0;
    // Fixed cost of one output tile (pipeline fill, accumulator write-out) in K-loop depth: a
    // tile of depth K runs at K / (K + k0) of the full-depth rate (calibrate/gemm_waves.hpp).
    // 16-bit and FP8 GEMMs; 0: not modelled.
    double tile_k0 = 0, tile_k0_fp8 = 0;
    // Fused attention from the FlashAttention-3 paper's H100 SXM5 measurements
    // (calibrate/datasheet_attention.hpp): GPUs with the H100 SXM5's SMs, clocks and peak.
    bool hopper_attention = false;
    std::string source;
};

std::vector<DeviceProfile> datasheet_profiles();
// nullptr when unknown; matching ignores case and '-'/'_'.
const DeviceProfile* find_datasheet_profile(const std::string& name);
DatasheetEfficiency datasheet_efficiency(const DeviceProfile& p);

}  // namespace flopmeter
