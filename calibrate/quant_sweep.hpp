// The calibration's quantized part (issue 16): decode-shaped quantized matmuls (M = 1..64
// tokens against a Llama-7B-sized 11008 x 4096 weight matrix, q4_0 and q8_0, int8 activations
// on the best kernel) measured cold, so the cost model's decode step uses measured quantized
// rates; and predicting a quantized matmul from those measurements.
// Also decode attention over a bf16 and an int8 KV cache (one query token, Llama-3-8B heads:
// 32 query and 8 KV heads of 128, cold), so the KV cache read is timed at the measured rate for
// its storage: sweep cases of op "kv_decode" whose results carry op "kv_decode".
#pragma once

#include <string>
#include <vector>

#include "calibrate/predictor.hpp"
#include "calibrate/sweep.hpp"
#include "measure/measure_case.hpp"
#include "measure/result.hpp"

namespace flopmeter {

std::vector<SweepCase> plan_quant_sweep(const std::string& mode, int threads);
// Measured cold (weights streamed from DRAM, as in a decode step), whatever the sweep's mode.
CaseResult measure_quant_sweep_case(const SweepCase& c, const MeasureOptions& o,
                                    MeasureContext& ctx);

// Time of y = x W^T, W (n x k) in a `bits`-bit format, from the profile's quant_gemm
// measurements of the same bits (same group preferred): the measured time per byte moved at
// the nearest M (log-interpolated between measured M), times this shape's bytes; beyond the
// largest measured M, no faster than that M's FLOP rate. seconds = 0 when nothing was measured.
Prediction predict_quant_gemm(const std::vector<CaseResult>& measurements, const QuantGemmQuery& q);

// Time to read q.bytes of KV cache in decode attention: those bytes at the best measured
// kv_decode rate (KV bytes read per second) of the same storage; seconds = 0 when none.
Prediction predict_kv_decode(const std::vector<CaseResult>& measurements, const KvDecodeQuery& q);

}  // namespace flopmeter
