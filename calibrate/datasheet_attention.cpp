#include "calibrate/datasheet_attention.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace flopmeter {

namespace {

// Sequence lengths of the figures' bars: 512, 1k, 2k, 4k, 8k, 16k.
constexpr std::array<double, 6> kSeq{512, 1024, 2048, 4096, 8192, 16384};
using Curve = std::array<double, 6>;  // TFLOP/s at kSeq

struct KernelCurves {
    Curve fwd_full64, fwd_full128;      // Figure 5, without causal mask
    Curve fwd_causal64, fwd_causal128;  // Figure 5, with causal mask
    Curve bwd64, bwd128;                // Figure 6 (no mask)
    Curve fwd_full256, fwd_causal256;   // Figure 5, head dim 256 (no backward curve used)
};

// The values printed above the bars of FlashAttention-3 (Shah et al. 2024) Figures 5 and 6,
// BF16 on H100 80GB SXM5. (At 512 / head dim 128 / no mask the two top series read 497 and
// 467; the cuDNN bar is taken as 497.)
// clang-format off
// Rows: forward without mask (head dim 64, 128), forward causal (64, 128), backward (64, 128),
// forward head dim 256 (without mask, causal).
constexpr KernelCurves kFa2{
    {282, 306, 318, 321, 322, 324}, {309, 350, 362, 368, 370, 370},
    {180, 229, 262, 284, 295, 299}, {191, 260, 298, 319, 333, 335},
    {198, 238, 264, 279, 287, 291}, {214, 260, 291, 310, 318, 322},
    {275, 313, 321, 323, 324, 326}, {208, 251, 278, 293, 297, 298},
};
constexpr KernelCurves kCudnn{
    {335, 373, 395, 408, 412, 413}, {497, 574, 617, 609, 600, 595},
    {225, 288, 334, 363, 379, 388}, {315, 410, 484, 518, 529, 539},
    {266, 348, 395, 417, 432, 433}, {305, 408, 465, 499, 518, 516},
    {470, 546, 580, 581, 580, 581}, {308, 391, 450, 483, 497, 509},
};
constexpr KernelCurves kFa3{
    {333, 392, 460, 476, 496, 497}, {467, 565, 625, 638, 646, 648},
    {197, 265, 371, 420, 460, 473}, {292, 423, 521, 579, 602, 616},
    {272, 363, 422, 453, 472, 474}, {316, 424, 501, 542, 559, 561},
    {482, 639, 707, 736, 746, 756}, {286, 427, 537, 612, 628, 642},
};
// clang-format on

const KernelCurves& curves(AttentionKernel k) {
    switch (k) {
        case AttentionKernel::fa2:
            return kFa2;
        case AttentionKernel::fa3:
            return kFa3;
        case AttentionKernel::cudnn:
        case AttentionKernel::unspecified:
            break;
    }
    return kCudnn;
}

double at(const Curve& c, std::int64_t seq) {
    const double x = std::clamp(std::log2(double(std::max<std::int64_t>(seq, 1))),
                                std::log2(kSeq.front()), std::log2(kSeq.back()));
    for (std::size_t i = 0; i + 1 < kSeq.size(); ++i) {
        const double x0 = std::log2(kSeq[i]), x1 = std::log2(kSeq[i + 1]);
        if (x <= x1) return c[i] + (c[i + 1] - c[i]) * (x - x0) / (x1 - x0);
    }
    return c.back();
}

// Linear in the head dim between the curves at 64, 128 (and 256), held outside.
double by_head_dim(std::int64_t hd, double at64, double at128, double at256) {
    const double d = std::clamp(double(hd), 64.0, 256.0);
    return d <= 128 ? at64 + (at128 - at64) * (d - 64) / 64
                    : at128 + (at256 - at128) * (d - 128) / 128;
}

}  // namespace

double hopper_attention_tflops(AttentionKernel kernel, bool backward, bool causal,
                               std::int64_t head_dim, std::int64_t seq_k) {
    const KernelCurves& k = curves(kernel);
    const double full = by_head_dim(head_dim, at(k.fwd_full64, seq_k), at(k.fwd_full128, seq_k),
                                    at(k.fwd_full256, seq_k));
    const double fwd_causal = by_head_dim(head_dim, at(k.fwd_causal64, seq_k),
                                          at(k.fwd_causal128, seq_k), at(k.fwd_causal256, seq_k));
    if (!backward) return causal ? fwd_causal : full;
    // Backward above 128: the 128 curve x the forward's change from 128 (no 256 curve used).
    const double full128 = at(k.fwd_full128, seq_k);
    const double bwd = head_dim <= 128
                           ? by_head_dim(head_dim, at(k.bwd64, seq_k), at(k.bwd128, seq_k), 0)
                           : at(k.bwd128, seq_k) * full / full128;
    return causal ? bwd * fwd_causal / full : bwd;
}

std::string hopper_attention_source(AttentionKernel kernel, bool backward) {
    return std::string(attention_kernel_name(
               kernel == AttentionKernel::unspecified ? AttentionKernel::cudnn : kernel)) +
           " on H100 SXM5, FlashAttention-3 paper (Shah et al. 2024) Figure " +
           (backward ? "6" : "5");
}

const char* attention_kernel_default_source() {
    return "Transformer Engine (Megatron-LM's attention) selects cuDNN fused attention over "
           "FlashAttention on "
           "Hopper 'for performance reasons' "
           "(transformer_engine/pytorch/attention/dot_product_attention/utils.py, "
           "get_attention_backend)";
}

}  // namespace flopmeter
