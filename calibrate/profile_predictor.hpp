// Predictor backed by a DeviceProfile: a measured profile answers from its fitted rate model
// (calibrate/rate_model.hpp), a datasheet profile from peak x stated efficiency.
#pragma once

#include <memory>

#include "calibrate/predictor.hpp"
#include "calibrate/profile.hpp"

namespace flopmeter {

// `backend` selects which measured GEMM/attention backend answers ("" = the profile's first).
std::unique_ptr<Predictor> make_profile_predictor(DeviceProfile p, const std::string& backend = "");

// The rate-model key and the log2 coordinates / features of a query, shared by calibration
// (fitting) and prediction so the two cannot disagree.
std::string gemm_model_key(const std::string& backend, DType dtype, Layout layout);
std::vector<double> gemm_coords(std::int64_t m, std::int64_t n, std::int64_t k);
std::vector<double> gemm_features(std::int64_t m, std::int64_t n, std::int64_t k, DType dtype);
std::vector<std::string> gemm_feature_names();
// Features by the names a fitted model uses: {"1", "flops", "bytes"} (vendor backends, older
// profiles) or {"1", "padded_flops", "bytes"} with the model's tiling (the own backend).
std::vector<std::string> gemm_feature_names(const GemmTiling& t);
std::vector<double> gemm_features(const GemmTiling& t, std::int64_t m, std::int64_t n,
                                  std::int64_t k, DType dtype);

std::string attention_model_key(const std::string& backend, DType dtype, bool backward,
                                bool causal);
std::vector<double> attention_coords(const AttentionQuery& q);
std::vector<double> attention_features(const AttentionQuery& q);
double attention_query_flops(const AttentionQuery& q);
std::vector<std::string> attention_feature_names();

std::string memory_model_key(MemOpKind kind);
std::vector<double> memory_coords(double bytes);
std::vector<double> memory_features(double bytes);
std::vector<std::string> memory_feature_names();

}  // namespace flopmeter
