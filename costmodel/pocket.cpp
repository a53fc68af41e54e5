#include "costmodel/pocket.hpp"

#include <cmath>
#include <sstream>

#include "calibrate/datasheet.hpp"
#include "calibrate/datasheet_edge.hpp"
#include "calibrate/profile_predictor.hpp"
#include "core/error.hpp"
#include "core/text_table.hpp"
#include "costmodel/inference_estimate.hpp"
#include "costmodel/model_source.hpp"
#include "costmodel/param_count.hpp"
#include "costmodel/presets.hpp"

namespace flopmeter::cost {

std::vector<PocketModel> pocket_models(const std::string& data_dir) {
    std::vector<PocketModel> v;
    auto file = [&](const std::string& label, const std::string& name) {
        v.push_back({label, load_model(data_dir + "/models/" + name)});
    };
    auto preset = [&](const std::string& label, const std::string& key) {
        v.push_back({label, find_preset(key)->model});
    };
    file("Llama 3.2 1B", "llama3.2-1b.config.json");
    preset("Llama 3.1 8B", "llama3.1-8b");
    file("Mixtral 8x7B (MoE)", "mixtral-8x7b.config.json");
    preset("Llama 3.1 70B", "llama3.1-70b");
    return v;
}

namespace {

double kv_bytes(const ModelConfig& m, std::int64_t ctx) {
    return 2.0 * double(m.layers) * double(m.kv_heads) * double(m.head_dim) * double(ctx) *
           2.0;  // fp16 K and V
}

}  // namespace

std::vector<PocketRow> pocket_table(const std::vector<PocketModel>& models,
                                    const PocketOptions& o) {
    std::vector<PocketRow> rows;
    for (const auto& ef : edge_facts()) {
        const DeviceProfile* dp = find_datasheet_profile(ef.profile);
        if (!dp) continue;
        const auto pred = make_profile_predictor(*dp);
        for (const auto& pm : models)
            for (WeightPrecision w : {WeightPrecision::int4, WeightPrecision::int8}) {
                PocketRow r;
                r.model = pm.label;
                r.device = dp->description;
                r.weights = weight_precision_name(w);
                r.params = count_params(pm.model).total();
                r.need_bytes = r.params * weight_bytes(w) +
                               kv_bytes(pm.model, o.prompt_tokens + o.output_tokens);
                r.available_bytes = dp->facts.memory_bytes - ef.os_reserve_bytes;
                r.fits = r.need_bytes <= r.available_bytes;
                r.fit_year = o.year_now;
                if (!r.fits)
                    r.fit_year =
                        o.year_now + int(std::ceil(std::log(r.need_bytes / r.available_bytes) /
                                                   std::log(o.memory_growth_per_year)));
                if (r.fits) {
                    InferenceSetup s;
                    s.prompt_tokens = o.prompt_tokens;
                    s.output_tokens = o.output_tokens;
                    s.weights = w;
                    s.compute = DType::fp16;
                    try {
                        const InferenceEstimate e = estimate_inference(pm.model, s, *pred, {});
                        r.tokens_per_s = e.per_sequence_tokens_per_s;
                        r.ttft_s = e.time_to_first_token_s;
                        r.joules_per_token = ef.active_watts / r.tokens_per_s;
                        r.battery_hours = ef.battery_wh > 0 ? ef.battery_wh / ef.active_watts : 0;
                    } catch (const UsageError& ex) {
                        r.fits = false;
                        r.note = ex.what();
                    }
                }
                rows.push_back(r);
            }
    }
    return rows;
}

std::string pocket_markdown(const std::vector<PocketRow>& rows, const PocketOptions& o) {
    std::ostringstream md;
    md << "| model | device | weights | needs | free next to the OS | fits? | tokens/s | time to "
          "first token | J/token | "
          "battery hours generating |\n|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& r : rows) {
        md << "| " << r.model << " | " << r.device << " | " << r.weights << " | "
           << fmt_bytes(r.need_bytes) << " | " << fmt_bytes(r.available_bytes) << " | ";
        if (!r.fits) {
            md << "no (fits " << r.fit_year << ")"
               << " | - | - | - | - |\n";
            continue;
        }
        md << "yes | " << fmt_sig(r.tokens_per_s, 3) << " | " << fmt_sig(r.ttft_s, 3) << " s | "
           << fmt_sig(r.joules_per_token, 3) << " | "
           << (r.battery_hours > 0 ? fmt_sig(r.battery_hours, 3) : "mains") << " |\n";
    }
    md << "\nPrompt " << o.prompt_tokens << " tokens, " << o.output_tokens
       << " generated, batch 1, fp16 activations and KV cache; int4/int8 weights at 0.5/1 byte per "
          "parameter. "
       << "'fits YEAR': the first year the model fits if free memory per device grows "
       << fmt_sig(o.memory_growth_per_year, 3)
       << "x per year (assumption: the what-if hardware trend).\n";
    return md.str();
}

}  // namespace flopmeter::cost
