#include "calibrate/gemm_tiling.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/flops.hpp"
#include "core/isa.hpp"
#include "kernels/gemm/own/gemm_driver.hpp"
#include "kernels/gemm/own/kernel_table.hpp"

namespace flopmeter {

GemmTiling gemm_tiling_of(const std::string& backend, DType dtype, int threads) {
    GemmTiling t;
    t.threads = std::max(1, threads);
    if (backend != "own") return t;  // vendor libraries: their tiles are not known here
    try {
        const own::OwnKernel& k = own::choose_kernel(dtype, isa_active());
        t.mr = k.blocking.mr;
        t.nr = k.blocking.nr;
        t.k_pack = k.k_pack;
        t.kernel = k.name;
    } catch (const std::exception&) {
        // a dtype the own backend does not implement: no tiling known
    }
    return t;
}

double gemm_padded_flops(const GemmTiling& t, std::int64_t m, std::int64_t n, std::int64_t k) {
    if (!t.known()) return flops::gemm_model_flops(m, n, k);
    GemmProblem p;
    p.m = m;
    p.n = n;
    p.k = k;
    const int used = own::useful_threads(p, t.threads);
    std::int64_t largest = 0;
    for (const auto& tile : own::split_threads(m, n, t.mr, t.nr, used))
        largest = std::max(largest, own::round_up<std::int64_t>(tile.m1 - tile.m0, t.mr) *
                                        own::round_up<std::int64_t>(tile.n1 - tile.n0, t.nr));
    // The largest tile as a (rows x cols) product: the FLOP formula takes it as m x n.
    return flops::gemm_model_flops(largest, 1, own::round_up<std::int64_t>(k, t.k_pack)) *
           double(t.threads);
}

}  // namespace flopmeter
