// What the cost model asks of a device profile: the time of one op of a given shape, and the
// device's non-kernel facts (memory, price, power, links). A calibrated profile answers from
// its fitted rate model over measured shapes; a datasheet profile from peak x a stated
// efficiency. Both say where each answer came from.
#pragma once

#include <cstdint>
#include <string>

#include "core/dtype.hpp"
#include "kernels/gemm/gemm_problem.hpp"

namespace flopmeter {

struct GemmQuery {
    std::int64_t m = 0, n = 0, k = 0;
    Layout layout = Layout::nn;
    DType dtype = DType::bf16;
    std::int64_t batch = 1;  // independent GEMMs of this shape (e.g. per expert)
    // FP8 operands (e4m3, fine-grained scales) with `dtype` output: a predictor that knows FP8
    // rates answers at them and sets Prediction::at_fp8; others answer for `dtype`.
    bool fp8 = false;
};

// The fused-attention implementation a run uses, where it is known: datasheet profiles of
// Hopper GPUs time each at its published speed (calibrate/datasheet_attention.hpp);
// `unspecified` takes the profile's default. Calibrated profiles time what they measured.
enum class AttentionKernel { unspecified, fa2, cudnn, fa3 };
const char* attention_kernel_name(AttentionKernel k);
// "default", "fa2", "cudnn", "fa3"; throws UsageError otherwise.
AttentionKernel parse_attention_kernel(const std::string& s);

struct AttentionQuery {
    std::int64_t batch = 1, heads = 1, kv_heads = 1, seq_q = 1, seq_k = 1, head_dim = 64,
                 value_dim = 64;
    bool causal = true;
    bool backward = false;  // backward pass (dQ, dK, dV) instead of forward
    DType dtype = DType::bf16;
    AttentionKernel kernel = AttentionKernel::unspecified;
};

// Memory-bound ops, timed as bytes moved at a measured (or datasheet) bandwidth.
enum class MemOpKind { elementwise, norm, softmax, optimizer, embedding, copy };
std::string mem_op_kind_name(MemOpKind k);

struct MemQuery {
    MemOpKind kind = MemOpKind::elementwise;
    double bytes = 0;  // read + written
    double flops = 0;  // for the record; memory-bound ops are timed by bytes
};

// A quantized weight-only matmul y (m x n) = x (m x k) * W^T, W at `bits` with one scale per
// `group` weights (kernels/quant/quant_format.hpp); `batch` independent ones.
struct QuantGemmQuery {
    std::int64_t m = 1, n = 0, k = 0;
    int bits = 4;
    std::int64_t group = 32;
    std::int64_t batch = 1;
};

// A decode step's attention over a KV cache of `bytes` (codes and scales, every layer), stored
// as `kv`: "bf16" or "int8" (one fp32 scale per token and KV head).
struct KvDecodeQuery {
    double bytes = 0;
    std::string kv = "bf16";
};

enum class Collective { all_reduce, reduce_scatter, all_gather, all_to_all, broadcast, send_recv };
std::string collective_name(Collective c);

struct CommQuery {
    Collective collective = Collective::all_reduce;
    double bytes = 0;  // message size per rank (nccl-tests' "size")
    int ranks = 2;
    bool inter_node = false;  // crosses nodes (slower tier) or stays within one
    // Ranks of the group on each node, each with its own NIC. A ring across nodes runs one ring
    // per NIC, so its crossing edges share the node's NICs: NCCL measures 192 GB/s all-reduce
    // bus bandwidth on DGX A100 nodes with 8 x 200 Gb/s NICs (NVIDIA/nccl issue #812, maintainer
    // comment), 8 x the 25 GB/s of one NIC, not 25 GB/s.
    int ranks_per_node = 1;
};

struct Prediction {
    double seconds = 0;
    double flops_per_s = 0;  // achieved rate implied (0 for memory/comm ops)
    std::string source;   // e.g. "fit: measured 2048x768x768 nn bf16, 3 neighbours" or "datasheet
                          // peak x 0.60"
    bool at_fp8 = false;  // a GEMM answered at its FP8 rate (GemmQuery::fp8)
};

// Facts about the device that are not kernel rates.
struct DeviceFacts {
    std::string name;             // "H100 SXM", "AMD EPYC (measured)"
    std::string kind;             // "measured" or "datasheet"
    double memory_bytes = 0;      // per device
    double memory_bandwidth = 0;  // bytes/s, per device
    double tdp_watts = 0;
    double price_per_hour = 0;         // USD per device-hour (default; --price overrides)
    double peak_flops(DType d) const;  // dense peak (datasheet) or measured ceiling, 0 if unknown
    double bf16_peak = 0, fp16_peak = 0, fp32_peak = 0, fp64_peak = 0, fp8_peak = 0, int8_peak = 0;
    double intra_node_bandwidth = 0;  // bytes/s per device (NVLink, ...)
    double inter_node_bandwidth = 0;  // bytes/s per device (InfiniBand, ...)
    int devices_per_node = 8;
};

class Predictor {
  public:
    virtual ~Predictor() = default;
    virtual const DeviceFacts& facts() const = 0;
    virtual Prediction gemm(const GemmQuery& q) const = 0;
    virtual Prediction attention(const AttentionQuery& q) const = 0;
    virtual Prediction memory(const MemQuery& q) const = 0;
    // Communication time; `source` says "measured alpha-beta ..." or "datasheet link bandwidth".
    virtual Prediction comm(const CommQuery& q) const = 0;
    // Measured quantized matmul rates, where the profile has them (calibrate/quant_sweep.hpp);
    // seconds = 0 means none, and the caller models the op another way.
    virtual Prediction quant_gemm(const QuantGemmQuery&) const { return {}; }
    // Measured decode attention over a KV cache of that storage (calibrate/quant_sweep.hpp);
    // seconds = 0 means none.
    virtual Prediction kv_decode(const KvDecodeQuery&) const { return {}; }
};

}  // namespace flopmeter
