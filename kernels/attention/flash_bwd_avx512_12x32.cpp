// flash_bwd_avx512_12x32: fused attention backward, AVX-512F; register tile 12 x 32,
// cache tiles kAvx512Bwd (attn_tiles.hpp). Algorithm and FLOP formula: flash_bwd_body.hpp.
#include "kernels/attention/attn_tiles.hpp"
#include "kernels/attention/attn_vec_avx512.hpp"
#include "kernels/attention/flash_bwd_body.hpp"

namespace flopmeter::attn::avx512 {

using Bwd = FlashBwd<VecAvx512, kAvx512Bwd.mr, kAvx512Bwd.nr / VecAvx512::lanes, kAvx512Bwd.bq,
                     kAvx512Bwd.bk>;

void bwd_rows(const BwdArgs& a, std::int64_t b, std::int64_t h, std::int64_t qt, std::int64_t bq) {
    Bwd::rows(a, b, h, qt, bq);
}
void bwd_tile(const BwdArgs& a, std::int64_t b, std::int64_t g, std::int64_t kt, float* ws) {
    Bwd::tile_entry(a, b, g, kt, ws);
}

}  // namespace flopmeter::attn::avx512
