#include "measure/roofline/bandwidth.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "core/aligned_buffer.hpp"
#include "core/error.hpp"
#include "core/isa.hpp"
#include "core/thread_pool.hpp"
#include "core/topology.hpp"

namespace flopmeter {

std::string bw_kernel_name(BwKernel k) {
    switch (k) {
        case BwKernel::read:
            return "read";
        case BwKernel::write:
            return "write";
        case BwKernel::copy:
            return "copy";
        case BwKernel::triad:
            return "triad";
    }
    return "?";
}
int bw_arrays(BwKernel k) {
    return k == BwKernel::copy ? 2 : k == BwKernel::triad ? 3 : 1;
}
double bw_stream_bytes(BwKernel k) {
    return 8.0 * bw_arrays(k);
}
double bw_wa_bytes(BwKernel k) {
    return k == BwKernel::read ? 8.0 : 8.0 * (bw_arrays(k) + 1);
}

std::vector<BwLevel> bandwidth_levels(int threads) {
    const Topology& t = topology();
    std::vector<BwLevel> v;
    std::int64_t llc_total = 0;
    for (const auto& c : t.caches) {
        llc_total = std::max(llc_total, c.size * c.instances);
        // Per-thread share of this level, half of it so the arrays (and a little else) fit.
        const std::int64_t sharing = std::max(1, std::min(threads, c.cores_sharing));
        const std::int64_t share = c.size / sharing;
        std::string name = "L";  // (built with += : GCC 12 warns falsely on "L" + std::string)
        name += std::to_string(c.level);
        v.push_back({name, std::max<std::int64_t>(share / 2, 4096)});
    }
    const std::int64_t dram_total = std::max<std::int64_t>(4 * llc_total, 256ll << 20);
    v.push_back({"DRAM", dram_total / std::max(1, threads)});
    return v;
}

namespace {
const BwKernels& kernels() {
    const Isa isa = isa_active();
    if (isa >= Isa::avx512) return bw_kernels_avx512();
    if (isa >= Isa::avx2) return bw_kernels_avx2();
    return bw_kernels_generic();
}

volatile double g_sink;
constexpr std::size_t kOffset = 1088;  // 17 cache lines
}  // namespace

struct BandwidthMeter::State {
    BwLevel level;
    BwKernel k = BwKernel::read;
    int threads = 1, arrays = 1;
    std::int64_t n = 0, reps = 1;
    const BwKernels* kk = nullptr;
    std::vector<std::unique_ptr<AlignedBuffer>> bufs;

    void run_once(int tid, std::int64_t nreps) {
        double* a = bufs[std::size_t(tid) * 3]->as<double>();
        double* b =
            arrays > 1 ? bufs[std::size_t(tid) * 3 + 1]->as<double>() + kOffset / 8 : nullptr;
        double* c =
            arrays > 2 ? bufs[std::size_t(tid) * 3 + 2]->as<double>() + 2 * kOffset / 8 : nullptr;
        double s = 0;
        for (std::int64_t r2 = 0; r2 < nreps; ++r2) {
            switch (k) {
                case BwKernel::read:
                    s += kk->read(a, n);
                    break;
                case BwKernel::write:
                    kk->write(a, n, double(r2));
                    break;
                case BwKernel::copy:
                    kk->copy(a, b, n);
                    break;
                case BwKernel::triad:
                    kk->triad(a, b, c, 3.0, n);
                    break;
            }
        }
        g_sink = s;
    }
};

BandwidthMeter::BandwidthMeter(const BwLevel& level, BwKernel k, int threads, double trial_seconds)
    : s_(std::make_unique<State>()) {
    State& st = *s_;
    st.level = level;
    st.k = k;
    st.threads = threads;
    st.kk = &kernels();
    st.arrays = bw_arrays(k);
    // Elements per array, a multiple of 64 (8 x 8 lanes).
    std::int64_t n = level.bytes_per_thread / (8 * st.arrays);
    st.n = n = std::max<std::int64_t>(n / 64 * 64, 64);

    ThreadPool& pool = shared_thread_pool(threads);
    st.bufs.resize(std::size_t(threads) * 3);
    pool.run([&](int tid) {  // each thread allocates and first-touches its own arrays
        for (int a = 0; a < st.arrays; ++a) {
            // Arrays start at different offsets modulo 4 KiB, so loads of one never alias
            // stores to another in the store buffer (4K aliasing halves L1 copy rates).
            auto b = std::make_unique<AlignedBuffer>(std::size_t(n) * 8 + kOffset * 3);
            double* p = b->as<double>() + a * kOffset / 8;
            for (std::int64_t i = 0; i < n; ++i) p[i] = 1.0 + double(i % 7);
            st.bufs[std::size_t(tid) * 3 + std::size_t(a)] = std::move(b);
        }
    });
    // Repetitions per trial so one trial lasts about trial_seconds.
    std::int64_t reps = 1;
    for (;;) {
        const auto t0 = std::chrono::steady_clock::now();
        st.run_once(0, reps);
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (s >= trial_seconds / 4 || reps > (1 << 24)) {
            reps = std::max<std::int64_t>(
                1, std::int64_t(double(reps) * trial_seconds / std::max(s, 1e-9)));
            break;
        }
        reps *= 4;
    }
    st.reps = reps;
}

BandwidthMeter::~BandwidthMeter() = default;

BandwidthResult BandwidthMeter::measure(int trials) {
    State& st = *s_;
    BandwidthResult r;
    r.level = st.level.name;
    r.kernel = st.k;
    r.threads = st.threads;
    r.isa = st.kk->isa;
    r.working_set = st.n * 8 * st.arrays;
    ThreadPool& pool = shared_thread_pool(st.threads);
    std::vector<double> secs(static_cast<std::size_t>(st.threads)), rates;
    for (int t = 0; t < std::max(1, trials); ++t) {
        pool.run([&](int tid) {
            const auto t0 = std::chrono::steady_clock::now();
            st.run_once(tid, st.reps);
            secs[std::size_t(tid)] =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        });
        const double slowest = *std::max_element(secs.begin(), secs.end());
        rates.push_back(double(st.threads) * double(st.reps) * double(st.n) /
                        slowest);  // elements per second
    }
    std::sort(rates.begin(), rates.end());
    r.stream_bytes_per_s = rates.back() * bw_stream_bytes(st.k);
    r.wa_bytes_per_s = rates.back() * bw_wa_bytes(st.k);
    r.spread = (rates.back() - rates.front()) / rates.back();
    return r;
}

double BandwidthMeter::measure_short_read(std::int64_t bytes, int calls,
                                          const std::function<void()>& before) {
    State& st = *s_;
    if (st.k != BwKernel::read) throw UsageError("a short read needs the read kernel");
    std::int64_t per = bytes / st.threads / 8;
    per = std::clamp<std::int64_t>(per / 64 * 64, 64, st.n);  // whole 8 x 8-lane iterations
    ThreadPool& pool = shared_thread_pool(st.threads);
    std::vector<double> t;
    double sum = 0;
    for (int c = 0; c < std::max(1, calls); ++c) {
        if (before) before();
        const auto t0 = std::chrono::steady_clock::now();
        pool.run([&](int tid) {
            const double s = st.kk->read(st.bufs[std::size_t(tid) * 3]->as<double>(), per);
            if (tid == 0) sum += s;
        });
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    g_sink = sum;
    std::sort(t.begin(), t.end());
    const double med =
        t.size() % 2 ? t[t.size() / 2] : 0.5 * (t[t.size() / 2 - 1] + t[t.size() / 2]);
    return double(per) * 8.0 * double(st.threads) / med;
}

BandwidthResult measure_bandwidth(const BwLevel& level, BwKernel k, int threads, int trials,
                                  double trial_seconds) {
    return BandwidthMeter(level, k, threads, trial_seconds).measure(trials);
}

}  // namespace flopmeter
