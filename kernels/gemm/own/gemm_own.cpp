// The `own` GEMM backend: plan (kernel choice, thread split, packing buffers) and registry
// entry. The loops are in gemm_driver.hpp, the micro-kernels in their own files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/aligned_buffer.hpp"
#include "core/error.hpp"
#include "core/thread_pool.hpp"
#include "kernels/gemm/gemm_backend.hpp"
#include "kernels/gemm/own/gemm_driver.hpp"
#include "kernels/gemm/own/kernel_table.hpp"

namespace flopmeter {
namespace own {

std::vector<ThreadTile> split_threads(std::int64_t m, std::int64_t n, int mr, int nr, int threads) {
    const std::int64_t mb = (m + mr - 1) / mr, nb = (n + nr - 1) / nr;  // micro-tiles per dim
    // Rows first when there are enough: each thread packs only its own rows of A and the whole
    // B block once per K block. Measured on Zen 4 (2 threads, 2048^3) a row split beats a column
    // split by 3-4%, since with columns every thread packs all of A and repacks B per MC block.
    int best_tm = threads;
    if (mb < 4 * std::int64_t(threads)) {
        double best_work = INFINITY, best_perim = INFINITY;
        best_tm = 0;
        for (int tm = 1; tm <= threads; ++tm) {
            if (threads % tm) continue;
            const int tn = threads / tm;
            if (tm > mb || tn > nb) continue;
            const double rows = double((mb + tm - 1) / tm) * mr,
                         cols = double((nb + tn - 1) / tn) * nr;
            const double work = rows * cols, perim = rows + cols;
            if (work < best_work || (work == best_work && perim < best_perim)) {
                best_work = work;
                best_perim = perim;
                best_tm = tm;
            }
        }
    }
    if (best_tm == 0) {  // fewer micro-tiles than threads: split the longer dimension only
        std::vector<ThreadTile> v;
        const bool by_rows = mb >= nb;
        const std::int64_t blocks = by_rows ? mb : nb, unit = by_rows ? mr : nr,
                           len = by_rows ? m : n;
        const std::int64_t parts = std::min<std::int64_t>(threads, blocks);
        for (std::int64_t t = 0; t < parts; ++t) {
            const std::int64_t lo = blocks * t / parts * unit,
                               hi = std::min(len, blocks * (t + 1) / parts * unit);
            if (lo < hi) v.push_back(by_rows ? ThreadTile{lo, hi, 0, n} : ThreadTile{0, m, lo, hi});
        }
        return v;
    }
    const int tm = best_tm, tn = threads / best_tm;
    std::vector<ThreadTile> v;
    for (int a = 0; a < tm; ++a)
        for (int b = 0; b < tn; ++b) {
            const std::int64_t r0 = mb * a / tm * mr, r1 = std::min(m, mb * (a + 1) / tm * mr);
            const std::int64_t c0 = nb * b / tn * nr, c1 = std::min(n, nb * (b + 1) / tn * nr);
            if (r0 < r1 && c0 < c1) v.push_back({r0, r1, c0, c1});
        }
    return v;
}

// Waking a thread costs a few microseconds; below ~2 MFLOP per thread (~20 us of work) a split
// loses more than it gains, so small problems use fewer threads.
int useful_threads(const GemmProblem& p, int threads) {
    const double per_thread = 2e6;
    const double flops = 2.0 * double(p.m) * double(p.n) * double(p.k);
    return std::max(1, std::min(threads, int(flops / per_thread)));
}

namespace {

// FLOPMETER_OWN_BLOCKING=kc,mc,nc overrides the table's cache blocking (for tuning on a new
// CPU); mc and nc are rounded up to multiples of mr and nr.
void apply_blocking_override(Blocking& bl) {
    const char* e = std::getenv("FLOPMETER_OWN_BLOCKING");
    if (!e || !*e) return;
    int kc = 0, mc = 0, nc = 0;
    char tail = 0;
    if (std::sscanf(e, "%d,%d,%d%c", &kc, &mc, &nc, &tail) != 3 || kc < 1 || mc < 1 || nc < 1 ||
        kc > 65536 || mc > 1 << 20 || nc > 1 << 20)
        throw UsageError(std::string("FLOPMETER_OWN_BLOCKING='") + e +
                         "' must be three positive integers kc,mc,nc");
    bl.kc = kc;
    bl.mc = (mc + bl.mr - 1) / bl.mr * bl.mr;
    bl.nc = (nc + bl.nr - 1) / bl.nr * bl.nr;
}

class OwnGemmPlan final : public GemmPlan {
  public:
    OwnGemmPlan(const GemmProblem& p, int threads)
        : p_(p),
          kernel_(&choose_kernel(p.dtype, isa_active())),
          blocking_(kernel_->blocking),
          pool_(&shared_thread_pool(useful_threads(p, threads))) {
        apply_blocking_override(blocking_);
        tiles_ = split_threads(p.m, p.n, blocking_.mr, blocking_.nr, pool_->size());
        for (const auto& t : tiles_) {
            const PackSizes s = pack_sizes(blocking_, kernel_->k_pack, t, p.k);
            const std::size_t a = std::size_t(s.a_elems) * kernel_->packed_bytes,
                              b = std::size_t(s.b_elems) * kernel_->packed_bytes,
                              c = std::size_t(s.scratch_elems) * kernel_->acc_bytes;
            bufs_.emplace_back(a);
            bufs_.emplace_back(b);
            bufs_.emplace_back(c);
            workspace_ += double(a + b + c);
        }
    }

    void run(const GemmOperands& ops) override {
        pool_->run([&](int tid) {
            if (tid >= int(tiles_.size())) return;
            AlignedBuffer* b = &bufs_[std::size_t(tid) * 3];
            kernel_->tile(p_, ops, tiles_[std::size_t(tid)], blocking_, b[0].data(), b[1].data(),
                          b[2].data());
        });
    }

    std::string kernel_set() const override { return kernel_->name; }
    std::string binding() const override { return pool_->binding(); }
    double workspace_bytes() const override { return workspace_; }

  private:
    GemmProblem p_;
    const OwnKernel* kernel_;
    Blocking blocking_;
    ThreadPool* pool_;
    std::vector<ThreadTile> tiles_;
    std::vector<AlignedBuffer> bufs_;
    double workspace_ = 0;
};

}  // namespace
}  // namespace own

GemmBackend own_gemm_backend() {
    GemmBackend b;
    b.name = "own";
    b.description =
        "flopmeter's BLIS-style blocked GEMM (AVX-512 / AVX2 / generic, runtime dispatch)";
    b.dtypes = {DType::fp32, DType::fp64, DType::bf16};
    b.unavailable = [](DType) -> std::optional<std::string> { return std::nullopt; };
    b.make_plan = [](const GemmProblem& p, int threads) -> std::unique_ptr<GemmPlan> {
        return std::make_unique<own::OwnGemmPlan>(p, threads);
    };
    b.warnings = [] { return std::vector<std::string>{}; };
    return b;
}

}  // namespace flopmeter
