// flash_bwd_avx2_6x16: fused attention backward, AVX2+FMA; register tile 6 x 16,
// cache tiles kAvx2Bwd (attn_tiles.hpp). Algorithm and FLOP formula: flash_bwd_body.hpp.
#include "kernels/attention/attn_tiles.hpp"
#include "kernels/attention/attn_vec_avx2.hpp"
#include "kernels/attention/flash_bwd_body.hpp"

namespace flopmeter::attn::avx2 {

using Bwd = FlashBwd<VecAvx2, kAvx2Bwd.mr, kAvx2Bwd.nr / VecAvx2::lanes, kAvx2Bwd.bq, kAvx2Bwd.bk>;

void bwd_rows(const BwdArgs& a, std::int64_t b, std::int64_t h, std::int64_t qt, std::int64_t bq) {
    Bwd::rows(a, b, h, qt, bq);
}
void bwd_tile(const BwdArgs& a, std::int64_t b, std::int64_t g, std::int64_t kt, float* ws) {
    Bwd::tile_entry(a, b, g, kt, ws);
}

}  // namespace flopmeter::attn::avx2
