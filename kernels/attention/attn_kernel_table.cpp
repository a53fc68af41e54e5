// The own attention kernel sets, best first; the plan takes the first one the active ISA level
// (isa_active(): cpuid, capped by FLOPMETER_ISA) can run.
#include "kernels/attention/attn_kernels.hpp"
#include "kernels/attention/attn_tiles.hpp"

namespace flopmeter::attn {
namespace {

const KernelSet kSets[] = {
    {"avx512_12x32", Isa::avx512, kAvx512Fwd, kAvx512Bwd, 16, avx512::fwd_pack, avx512::fwd_tile,
     avx512::decode, avx512::bwd_rows, avx512::bwd_tile, avx512::softmax, avx512::softmax_bwd},
    {"avx2_6x16", Isa::avx2, kAvx2Fwd, kAvx2Bwd, 8, avx2::fwd_pack, avx2::fwd_tile, avx2::decode,
     avx2::bwd_rows, avx2::bwd_tile, avx2::softmax, avx2::softmax_bwd},
    {"generic_4x8", Isa::generic, kGenericFwd, kGenericBwd, 1, generic::fwd_pack, generic::fwd_tile,
     generic::decode, generic::bwd_rows, generic::bwd_tile, generic::softmax, generic::softmax_bwd},
};

}  // namespace

const KernelSet& choose_kernel_set(Isa isa) {
    for (const auto& k : kSets)
        if (k.isa <= isa) return k;
    return kSets[std::size(kSets) - 1];
}

std::vector<const KernelSet*> kernel_sets_runnable() {
    std::vector<const KernelSet*> v;
    for (const auto& k : kSets)
        if (k.isa <= isa_supported()) v.push_back(&k);
    return v;
}

}  // namespace flopmeter::attn
