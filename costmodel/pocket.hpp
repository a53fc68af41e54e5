// "Will it run in a pocket?" (issue 16): for each model x device x weight precision, whether the
// weights and KV cache fit next to the OS, decode tokens/s and time to first token from the
// device's profile (estimate_inference), joules per token and battery hours at the device's
// active power, and the first year it would fit if memory per device grew like the what-if
// hardware trend. Printed by `flopmeter pocket`, which also writes docs/pocket.md.
#pragma once

#include <string>
#include <vector>

#include "costmodel/model_config.hpp"
#include "costmodel/workload.hpp"

namespace flopmeter::cost {

struct PocketOptions {
    std::int64_t prompt_tokens = 512, output_tokens = 128;
    int year_now = 2026;
    // Memory per device assumed to grow like the what-if hardware trend (Hobbhahn & Besiroglu
    // 2022, Epoch AI: FLOP/s per dollar x1.32 per year): an assumption, stated in the output.
    double memory_growth_per_year = 1.32;
};

struct PocketRow {
    std::string model, device, weights;
    double params = 0, need_bytes = 0, available_bytes = 0;
    bool fits = false;
    int fit_year = 0;  // this year when it fits
    double tokens_per_s = 0, ttft_s = 0, joules_per_token = 0, battery_hours = 0;
    std::string note;
};

struct PocketModel {
    std::string label;
    ModelConfig model;
};

// Models 1B to 70B, dense and MoE (presets and data/models configs found from `data_dir`).
std::vector<PocketModel> pocket_models(const std::string& data_dir);
std::vector<PocketRow> pocket_table(const std::vector<PocketModel>& models, const PocketOptions& o);
std::string pocket_markdown(const std::vector<PocketRow>& rows, const PocketOptions& o);

}  // namespace flopmeter::cost
