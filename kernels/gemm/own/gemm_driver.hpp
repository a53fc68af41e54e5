// The BLIS-style loops around the micro-kernel, for one thread's tile of C:
//
//   for pc in K step kc            (K blocking; the first block applies beta, later ones add)
//     for ic in M step mc          pack A[ic:+mc, pc:+kc] into mr-row micro-panels   (L3)
//       for jc in N step nc        pack B[pc:+kc, jc:+nc] into nr-column micro-panels (L2)
//         for ir in mc step mr     A micro-panel stays in L1
//           for jr in nc step nr   micro-kernel on one mr x nr tile of C
//
// Each ISA's kernel file instantiates gemm_own_tile with its micro-kernel, so packing and
// the loops compile with that ISA's flags. Threads work on disjoint tiles of C (split_threads) with
// private packing buffers, so no synchronisation is needed inside a call. Edge tiles go through a
// scratch tile.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/gemm/gemm_problem.hpp"
#include "kernels/gemm/own/microkernel.hpp"
#include "kernels/gemm/own/pack.hpp"

namespace flopmeter::own {

// Splits C into at most `threads` tiles (rows in multiples of mr, columns of nr) so that the
// largest tile is smallest; among equal splits the one with the least packing (perimeter).
std::vector<ThreadTile> split_threads(std::int64_t m, std::int64_t n, int mr, int nr, int threads);

// Threads the plan of problem `p` uses out of `threads` (small problems use fewer); the
// calibration's tile-padding model (calibrate/gemm_tiling.hpp) asks the same question.
int useful_threads(const GemmProblem& p, int threads);

template <class T>
constexpr T round_up(T x, T to) {
    return (x + to - 1) / to * to;
}

struct PackSizes {
    std::int64_t a_elems, b_elems, scratch_elems;
};

inline PackSizes pack_sizes(const Blocking& bl, int k_pack, const ThreadTile& t, std::int64_t k) {
    const std::int64_t kc = round_up<std::int64_t>(std::min<std::int64_t>(bl.kc, k), k_pack);
    const std::int64_t mc =
        round_up<std::int64_t>(std::min<std::int64_t>(bl.mc, t.m1 - t.m0), bl.mr);
    const std::int64_t nc =
        round_up<std::int64_t>(std::min<std::int64_t>(bl.nc, t.n1 - t.n0), bl.nr);
    return {mc * kc, nc * kc, std::int64_t(bl.mr) * bl.nr};
}

// Kernel: the micro-kernel, a template argument so it inlines into the loops.
template <class In, class Packed, class Acc, int KP, auto Kernel>
void gemm_own_tile(const GemmProblem& p, const GemmOperands& op, const ThreadTile& t,
                   const Blocking& bl, void* a_pack, void* b_pack, void* scratch_buf) {
    Packed* abuf = static_cast<Packed*>(a_pack);
    Packed* bbuf = static_cast<Packed*>(b_pack);
    Acc* scratch = static_cast<Acc*>(scratch_buf);
    const In* A = static_cast<const In*>(op.a);
    const In* B = static_cast<const In*>(op.b);
    Acc* C = static_cast<Acc*>(op.c);
    const bool ta = layout_trans_a(p.layout), tb = layout_trans_b(p.layout);
    const Acc alpha = Acc(p.alpha);
    const int mr = bl.mr, nr = bl.nr;

    for (std::int64_t pc = 0; pc < p.k; pc += bl.kc) {
        const std::int64_t kcb = std::min<std::int64_t>(bl.kc, p.k - pc);
        const std::int64_t kc_pad = round_up<std::int64_t>(kcb, KP);
        const std::int64_t steps = kc_pad / KP;
        const Acc beta = pc == 0 ? Acc(p.beta) : Acc(1);
        for (std::int64_t ic = t.m0; ic < t.m1; ic += bl.mc) {
            const std::int64_t mcb = std::min<std::int64_t>(bl.mc, t.m1 - ic);
            pack_a<In, Packed, KP>(A, op.lda, ta, ic, mcb, pc, kcb, mr, abuf);
            for (std::int64_t jc = t.n0; jc < t.n1; jc += bl.nc) {
                const std::int64_t ncb = std::min<std::int64_t>(bl.nc, t.n1 - jc);
                pack_b<In, Packed, KP>(B, op.ldb, tb, jc, ncb, pc, kcb, nr, bbuf);
                for (std::int64_t ir = 0; ir < mcb; ir += mr) {
                    const int rows = int(std::min<std::int64_t>(mr, mcb - ir));
                    const Packed* ap = abuf + ir * kc_pad;
                    for (std::int64_t jr = 0; jr < ncb; jr += nr) {
                        const int cols = int(std::min<std::int64_t>(nr, ncb - jr));
                        const Packed* bp = bbuf + jr * kc_pad;
                        Acc* cp = C + (ic + ir) * op.ldc + jc + jr;
                        if (rows == mr && cols == nr) {
                            Kernel(steps, ap, bp, cp, op.ldc, alpha, beta);
                            continue;
                        }
                        Kernel(steps, ap, bp, scratch, nr, Acc(1), Acc(0));
                        for (int i = 0; i < rows; ++i)
                            for (int j = 0; j < cols; ++j) {
                                Acc r = alpha * scratch[i * nr + j];
                                if (beta != Acc(0)) r += beta * cp[i * op.ldc + j];
                                cp[i * op.ldc + j] = r;
                            }
                    }
                }
            }
        }
    }
}

}  // namespace flopmeter::own
