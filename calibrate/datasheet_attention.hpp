// Measured fused-attention rates on Hopper (H100 SXM5 class) for the datasheet rate model: a
// kernel's speed depends on the implementation, the head dimension, the sequence length, the
// causal mask and the direction, so one flat fraction of peak cannot stand for all of them.
//
// Source: Shah, Bikshandi, Zhang, Thakkar, Ramani, Dao 2024, "FlashAttention-3: Fast and
// Accurate Attention with Asynchrony and Low-precision" (arXiv 2407.08608), section 4.1,
// Figure 5 (forward, BF16, H100 80GB SXM5: head dim 64/128, with and without causal mask) and
// Figure 6 (backward, BF16, head dim 64/128, without mask); forward also at head dim 256. Their
// setup: batch x sequence = 16k tokens, hidden 2048, FLOPs 4 x seq^2 x head_dim x heads (halved
// when causal), backward 2.5 x forward: the same model-FLOP convention as core/flops.hpp, so
// TFLOP/s divide our attention model FLOPs directly.
#pragma once

#include <cstdint>
#include <string>

#include "calibrate/predictor.hpp"

namespace flopmeter {

// TFLOP/s of `kernel` on an H100 SXM5 for this shape, interpolated linearly in log2(seq_k)
// between the figures' lengths 512 .. 16k and held at the end values outside that range, and
// linearly in the head dim between the figures' 64, 128 and 256 (held outside). Backward above
// head dim 128: the 128 curve x the forward's change from 128 (an assumption). Causal backward:
// the non-causal backward rate x (causal / non-causal forward rate at the same length and head
// dim), an assumption: Figure 6 shows backward without a mask only.
// `unspecified` answers as cudnn (Transformer Engine's choice on Hopper, see
// attention_kernel_default_source()).
double hopper_attention_tflops(AttentionKernel kernel, bool backward, bool causal,
                               std::int64_t head_dim, std::int64_t seq_k);

// The figure (and series) a hopper_attention_tflops() answer comes from, for `source` strings.
std::string hopper_attention_source(AttentionKernel kernel, bool backward);

// Why unspecified means cuDNN on Hopper.
const char* attention_kernel_default_source();

}  // namespace flopmeter
