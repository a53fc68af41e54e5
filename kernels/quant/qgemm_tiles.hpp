// The loop every quantized kernel shares: columns [n0, n1) in tiles of NT weight rows, all M
// rows in tiles of MT, each (MT, NT) pair a template instance so accumulators stay in registers.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/quant/qgemm_kernels.hpp"

namespace flopmeter::qtiles {

using TileFn = void (*)(const QGemmArgs& a, std::int64_t m0, std::int64_t n0);

template <template <int, int, int, bool> class Tile, int BITS, bool G32, int MT, int NT>
void tile_entry(const QGemmArgs& a, std::int64_t m0, std::int64_t n0) {
    Tile<BITS, MT, NT, G32>::run(a, m0, n0);
}

// table[mt - 1][nt - 1] for one (bits, group kind).
template <template <int, int, int, bool> class Tile, int BITS, bool G32, int MTMAX, int NTMAX>
struct TileTable {
    TileFn f[MTMAX][NTMAX];
    constexpr TileTable() : f{} { fill<1, 1>(); }
    template <int MT, int NT>
    constexpr void fill() {
        f[MT - 1][NT - 1] = &tile_entry<Tile, BITS, G32, MT, NT>;
        if constexpr (NT < NTMAX)
            fill<MT, NT + 1>();
        else if constexpr (MT < MTMAX)
            fill<MT + 1, 1>();
    }
};

template <template <int, int, int, bool> class Tile, int MTMAX, int NTMAX>
void run_tiles(const QGemmArgs& a, std::int64_t n0, std::int64_t n1) {
    static constexpr TileTable<Tile, 8, true, MTMAX, NTMAX> t8a{};
    static constexpr TileTable<Tile, 8, false, MTMAX, NTMAX> t8b{};
    static constexpr TileTable<Tile, 4, true, MTMAX, NTMAX> t4a{};
    static constexpr TileTable<Tile, 4, false, MTMAX, NTMAX> t4b{};
    const bool g32 = a.group == 32;
    const TileFn(*t)[NTMAX] = a.bits == 8 ? (g32 ? t8a.f : t8b.f) : (g32 ? t4a.f : t4b.f);
    for (std::int64_t m0 = 0; m0 < a.m; m0 += MTMAX) {
        const int mt = int(std::min<std::int64_t>(MTMAX, a.m - m0));
        for (std::int64_t n = n0; n < n1; n += NTMAX) {
            const int nt = int(std::min<std::int64_t>(NTMAX, n1 - n));
            t[mt - 1][nt - 1](a, m0, n);
        }
    }
}

}  // namespace flopmeter::qtiles
