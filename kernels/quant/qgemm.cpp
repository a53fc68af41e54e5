#include "kernels/quant/qgemm.hpp"

#include <algorithm>
#include <atomic>

#include "core/cpu_features.hpp"
#include "core/error.hpp"
#include "core/isa.hpp"
#include "core/thread_pool.hpp"

namespace flopmeter {

std::string quant_activation_name(QuantActivation a) {
    return a == QuantActivation::int8 ? "int8" : "fp32";
}

const std::vector<QGemmKernel>& qgemm_kernels() {
    static const std::vector<QGemmKernel> v = {
        {"qgemm_fp32act_generic", QuantActivation::fp32, "generic", qgemm_fp32act_generic, nullptr,
         kRowMajor},
        {"qgemm_fp32act_avx2", QuantActivation::fp32, "avx2", qgemm_fp32act_avx2, nullptr,
         kRowMajor},
        {"qgemm_fp32act_avx512", QuantActivation::fp32, "avx512", qgemm_fp32act_avx512, nullptr,
         kRowMajor},
        {"qgemm_int8act_generic", QuantActivation::int8, "generic", qgemm_int8act_generic,
         quantize_acts_generic, kRowMajor},
        {"qgemm_int8act_avx2", QuantActivation::int8, "avx2", qgemm_int8act_avx2,
         quantize_acts_avx2, kRowMajor},
        {"qgemm_int8act_avx512vnni", QuantActivation::int8, "avx512_vnni", qgemm_int8act_avx512vnni,
         quantize_acts_avx512, kVnniPacking},
    };
    return v;
}

bool qgemm_kernel_runnable(const QGemmKernel& k) {
    const std::string isa = k.isa;
    if (isa == "generic") return true;
    const Isa active = isa_active();
    if (isa == "avx2") return active >= Isa::avx2;
    if (isa == "avx512") return active >= Isa::avx512;
    if (isa == "avx512_vnni") return active >= Isa::avx512 && cpu_features().avx512_vnni;
    return false;
}

const QGemmKernel& qgemm_kernel(QuantActivation act, const std::string& isa) {
    const QGemmKernel* best = nullptr;
    bool known = isa.empty();
    for (const auto& k : qgemm_kernels()) {
        if (k.act != act) continue;
        if (!isa.empty()) {
            if (isa != k.isa) continue;
            known = true;
            if (!qgemm_kernel_runnable(k))
                throw UnavailableError(std::string("quantized kernel ") + k.name + " needs " +
                                       k.isa +
                                       ", which this CPU (or FLOPMETER_ISA) does not allow");
            return k;
        }
        if (qgemm_kernel_runnable(k))
            best = &k;  // the table lists each activation type lowest ISA first
    }
    if (!known)
        throw UsageError("no " + quant_activation_name(act) +
                         "-activation quantized kernel for ISA '" + isa +
                         "' (valid: generic, avx2, " +
                         (act == QuantActivation::int8 ? "avx512_vnni" : "avx512") + ")");
    return *best;
}

void qgemm_run(const QGemmKernel& kern, const QuantMatrix& w, const float* x, std::int64_t m,
               float* y, QuantActs& acts, int threads) {
    if (!(w.packing == kern.packing))
        throw UsageError(std::string("quantized kernel ") + kern.name +
                         " reads weights packed as " + quant_packing_name(kern.packing) + ", got " +
                         quant_packing_name(w.packing) + " (repack with quant_repack)");
    ThreadPool& pool = shared_thread_pool(threads);
    const int t = pool.size();
    QGemmArgs a;
    a.m = m;
    a.n = w.n;
    a.k = w.k;
    a.group = w.format.group;
    a.bits = w.format.bits;
    a.codes = w.codes.as<std::uint8_t>();
    a.row_bytes = w.row_bytes();
    a.scales = w.scales.as<std::uint16_t>();
    a.groups = w.groups();
    a.tiling = w.tiling();
    a.x = x;
    a.ldx = w.k;
    a.y = y;
    a.ldy = w.n;
    if (kern.act == QuantActivation::int8) {
        acts.reset(m, w.k, w.format.group);
        if (m == 1) {
            kern.quantize_acts(x, w.k, acts, a.bits, 0, 1);
        } else {
            pool.run([&](int tid) {
                const std::int64_t r0 = m * tid / t, r1 = m * (tid + 1) / t;
                if (r1 > r0) kern.quantize_acts(x, w.k, acts, a.bits, r0, r1);
            });
        }
        a.xq = acts.q.as<std::int8_t>();
        a.xs = acts.scale.as<float>();
        a.xc = acts.comp.as<float>();
        a.xg = acts.group_bias.as<std::int32_t>();
    }
    constexpr std::int64_t kBlock = 64;
    static_assert(kBlock % kVnniPacking.tile_rows == 0, "a block must start a VNNI panel");
    const std::int64_t blocks = (w.n + kBlock - 1) / kBlock;
    if (m == 1) {
        // Decode: one contiguous range of blocks per thread, each streamed in address order
        // (claiming runs of 4 blocks from a counter instead measured +17% (q4_0) and +4% (q8_0)
        // slower, not resolved, 10 paired rounds).
        pool.run([&](int tid) {
            const std::int64_t b0 = blocks * tid / t, b1 = blocks * (tid + 1) / t;
            if (b1 > b0) kern.fn(a, b0 * kBlock, std::min(w.n, b1 * kBlock));
        });
        return;
    }
    // M > 1: blocks claimed one at a time from a shared counter, so a thread that loses its
    // core on a shared machine does not hold up the call; each block's tile stays in L2 while
    // every M tile passes.
    std::atomic<std::int64_t> next{0};
    pool.run([&](int) {
        for (;;) {
            const std::int64_t b = next.fetch_add(1, std::memory_order_relaxed);
            if (b >= blocks) break;
            kern.fn(a, b * kBlock, std::min(w.n, (b + 1) * kBlock));
        }
    });
}

}  // namespace flopmeter
