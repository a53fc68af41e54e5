// flash_fwd_avx512_12x32: fused attention forward, AVX-512F; register tile 12 x 32,
// cache tiles kAvx512Fwd (attn_tiles.hpp). Algorithm and FLOP formula: flash_fwd_body.hpp.
#include "kernels/attention/attn_tiles.hpp"
#include "kernels/attention/attn_vec_avx512.hpp"
#include "kernels/attention/flash_fwd_body.hpp"

namespace flopmeter::attn::avx512 {

using Fwd = FlashFwd<VecAvx512, kAvx512Fwd.mr, kAvx512Fwd.nr / VecAvx512::lanes, kAvx512Fwd.bq,
                     kAvx512Fwd.bk>;

void fwd_pack(const FwdArgs& a, std::int64_t b, std::int64_t g, std::int64_t kt) {
    Fwd::pack_entry(a, b, g, kt);
}
void fwd_tile(const FwdArgs& a, std::int64_t b, std::int64_t h, std::int64_t qt, float* ws) {
    Fwd::tile_entry(a, b, h, qt, ws);
}

}  // namespace flopmeter::attn::avx512
