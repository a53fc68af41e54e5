// flash_bwd_generic_4x8: fused attention backward, plain C++ (any x86-64); register tile 4 x 8,
// cache tiles kGenericBwd (attn_tiles.hpp). Algorithm and FLOP formula: flash_bwd_body.hpp.
#include "kernels/attention/attn_tiles.hpp"
#include "kernels/attention/attn_vec_scalar.hpp"
#include "kernels/attention/flash_bwd_body.hpp"

namespace flopmeter::attn::generic {

using Bwd = FlashBwd<VecScalar, kGenericBwd.mr, kGenericBwd.nr / VecScalar::lanes, kGenericBwd.bq,
                     kGenericBwd.bk>;

void bwd_rows(const BwdArgs& a, std::int64_t b, std::int64_t h, std::int64_t qt, std::int64_t bq) {
    Bwd::rows(a, b, h, qt, bq);
}
void bwd_tile(const BwdArgs& a, std::int64_t b, std::int64_t g, std::int64_t kt, float* ws) {
    Bwd::tile_entry(a, b, g, kt, ws);
}

}  // namespace flopmeter::attn::generic
