// oneDNN's int8 matmul as the vendor side of `bench quant`: s8 activations with one scale per
// tensor, s8 weights with one scale per output channel (oneDNN 2.x has no per-block weight
// scales and no int4), f32 output; output scales d_x * d_w[n]. It applies to q8 formats whose
// group is K (per-channel). The weights are reordered once into the layout oneDNN picks
// (format_tag::any), as a runtime would prepack them; the activations are quantized before
// timing (the own int8 kernels quantize theirs inside the timed call).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/quant/quant_format.hpp"

namespace flopmeter {

class OnednnInt8Matmul {
  public:
    // Throws UnavailableError without oneDNN or for a format it cannot express.
    OnednnInt8Matmul(const QuantMatrix& w, std::int64_t m, int threads);
    ~OnednnInt8Matmul();
    void set_src(const float* x);  // per-tensor s8 quantization of the M x K activations
    void run(float* y);
    std::string impl() const;
    const std::vector<std::int8_t>& src() const;
    float src_scale() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> p_;
};

}  // namespace flopmeter
