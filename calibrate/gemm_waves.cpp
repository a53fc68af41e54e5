#include "calibrate/gemm_waves.hpp"

#include <algorithm>

namespace flopmeter {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
    return (a + b - 1) / b;
}

GemmWaves with_split(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, int sms,
                     int tm, int tn, std::int64_t splits) {
    GemmWaves w;
    w.tile_m = tm;
    w.tile_n = tn;
    w.splits = splits;
    w.tiles = ceil_div(m, tm) * ceil_div(n, tn) * batch * splits;
    w.waves = ceil_div(w.tiles, sms);
    const double k_slice = double(ceil_div(k, splits));
    w.efficiency = double(m) * double(n) * double(k) * double(batch) /
                   (double(w.waves) * double(sms) * double(tm) * double(tn) * k_slice);
    return w;
}

GemmWaves with_tile(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, int sms,
                    int tm, int tn) {
    GemmWaves best = with_split(m, n, k, batch, sms, tm, tn, 1);
    // An under-filled grid splits K: the split count (up to kMaxSplitK, slices >= kMinSplitK
    // deep) that keeps the SMs busiest, the fewest splits on ties.
    if (best.tiles < sms)
        for (std::int64_t s = 2; s <= std::min<std::int64_t>(kMaxSplitK, k / kMinSplitK); ++s) {
            const GemmWaves w = with_split(m, n, k, batch, sms, tm, tn, s);
            if (w.efficiency > best.efficiency + 1e-12) best = w;
        }
    return best;
}

}  // namespace

GemmWaves gemm_wave_quantization(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                                 int sms) {
    if (sms <= 0 || m <= 0 || n <= 0 || k <= 0 || batch <= 0) return {};
    GemmWaves best;
    best.efficiency = -1;
    for (auto [tm, tn] : {std::pair{128, 256}, std::pair{256, 128}, std::pair{128, 128}}) {
        const GemmWaves w = with_tile(m, n, k, batch, sms, tm, tn);
        if (w.efficiency > best.efficiency) best = w;
    }
    return best;
}

double gemm_tile_depth_efficiency(std::int64_t k_slice, double k0) {
    if (k0 <= 0 || k_slice <= 0) return 1.0;
    return double(k_slice) / (double(k_slice) + k0);
}

}  // namespace flopmeter
