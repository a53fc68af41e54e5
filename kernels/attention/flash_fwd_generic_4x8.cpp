// flash_fwd_generic_4x8: fused attention forward, plain C++ (any x86-64); register tile 4 x 8,
// cache tiles kGenericFwd (attn_tiles.hpp). Algorithm and FLOP formula: flash_fwd_body.hpp.
#include "kernels/attention/attn_tiles.hpp"
#include "kernels/attention/attn_vec_scalar.hpp"
#include "kernels/attention/flash_fwd_body.hpp"

namespace flopmeter::attn::generic {

using Fwd = FlashFwd<VecScalar, kGenericFwd.mr, kGenericFwd.nr / VecScalar::lanes, kGenericFwd.bq,
                     kGenericFwd.bk>;

void fwd_pack(const FwdArgs& a, std::int64_t b, std::int64_t g, std::int64_t kt) {
    Fwd::pack_entry(a, b, g, kt);
}
void fwd_tile(const FwdArgs& a, std::int64_t b, std::int64_t h, std::int64_t qt, float* ws) {
    Fwd::tile_entry(a, b, h, qt, ws);
}

}  // namespace flopmeter::attn::generic
