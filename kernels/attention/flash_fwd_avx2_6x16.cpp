// flash_fwd_avx2_6x16: fused attention forward, AVX2+FMA; register tile 6 x 16,
// cache tiles kAvx2Fwd (attn_tiles.hpp). Algorithm and FLOP formula: flash_fwd_body.hpp.
#include "kernels/attention/attn_tiles.hpp"
#include "kernels/attention/attn_vec_avx2.hpp"
#include "kernels/attention/flash_fwd_body.hpp"

namespace flopmeter::attn::avx2 {

using Fwd = FlashFwd<VecAvx2, kAvx2Fwd.mr, kAvx2Fwd.nr / VecAvx2::lanes, kAvx2Fwd.bq, kAvx2Fwd.bk>;

void fwd_pack(const FwdArgs& a, std::int64_t b, std::int64_t g, std::int64_t kt) {
    Fwd::pack_entry(a, b, g, kt);
}
void fwd_tile(const FwdArgs& a, std::int64_t b, std::int64_t h, std::int64_t qt, float* ws) {
    Fwd::tile_entry(a, b, h, qt, ws);
}

}  // namespace flopmeter::attn::avx2
