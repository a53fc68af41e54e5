// decode_generic: split-K decode attention, plain C++ (any x86-64); blocks of VecScalar::lanes
// keys. Algorithm and FLOP formula: decode_body.hpp.
#include "kernels/attention/attn_vec_scalar.hpp"
#include "kernels/attention/decode_body.hpp"

namespace flopmeter::attn::generic {

void decode(const DecodeArgs& a, std::int64_t b, std::int64_t chunk, float* ws) {
    Decode<VecScalar>::entry(a, b, chunk, ws);
}

}  // namespace flopmeter::attn::generic
