// Printing estimates: plain text or Markdown for people, JSON for scripts (the breakdown plot,
// the PyTorch comparisons). Printers only format; every number is computed before.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "costmodel/inference_estimate.hpp"
#include "costmodel/training_estimate.hpp"
#include "costmodel/whatif.hpp"

namespace flopmeter::cost {

// One estimate with the profile it was made on (name as the user gave it).
template <class E>
struct Labelled {
    std::string profile;
    E estimate;
};

// `runs` holds one estimate, or the calibrated one then the datasheet one (--compare-datasheet).
void print_training(std::ostream& os, const std::vector<Labelled<TrainingEstimate>>& runs,
                    bool markdown, bool show_ops = false);
void print_inference(std::ostream& os, const std::vector<Labelled<InferenceEstimate>>& runs,
                     bool markdown);
void print_whatif(std::ostream& os, const WhatIfInputs& in, const std::vector<WhatIfRow>& rows,
                  bool markdown);

nlohmann::json training_json(const Labelled<TrainingEstimate>& e);
nlohmann::json inference_json(const Labelled<InferenceEstimate>& e);
nlohmann::json whatif_json(const WhatIfInputs& in, const std::vector<WhatIfRow>& rows);
nlohmann::json model_json(const ModelConfig& m, const ParamCount& p);

std::string fmt_duration(double seconds);  // "3.2 days", "14.1 h", "52 s"
std::string fmt_count(double x);           // "6.74 B", "1.02 M", "4096"

}  // namespace flopmeter::cost
