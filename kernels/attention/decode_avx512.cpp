// decode_avx512: split-K decode attention, AVX-512F; blocks of VecAvx512::lanes keys.
// Algorithm and FLOP formula: decode_body.hpp.
#include "kernels/attention/attn_vec_avx512.hpp"
#include "kernels/attention/decode_body.hpp"

namespace flopmeter::attn::avx512 {

void decode(const DecodeArgs& a, std::int64_t b, std::int64_t chunk, float* ws) {
    Decode<VecAvx512>::entry(a, b, chunk, ws);
}

}  // namespace flopmeter::attn::avx512
