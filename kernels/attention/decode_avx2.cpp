// decode_avx2: split-K decode attention, AVX2+FMA; blocks of VecAvx2::lanes keys.
// Algorithm and FLOP formula: decode_body.hpp.
#include "kernels/attention/attn_vec_avx2.hpp"
#include "kernels/attention/decode_body.hpp"

namespace flopmeter::attn::avx2 {

void decode(const DecodeArgs& a, std::int64_t b, std::int64_t chunk, float* ws) {
    Decode<VecAvx2>::entry(a, b, chunk, ws);
}

}  // namespace flopmeter::attn::avx2
