#include "measure/quant_case.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "core/error.hpp"
#include "core/flops.hpp"
#include "core/operand_values.hpp"
#include "core/thread_pool.hpp"
#include "kernels/quant/quant_reference.hpp"

namespace flopmeter {

std::string quant_case_name(const QuantCaseSpec& s) {
    std::string n = "quant_gemm/" + s.backend + "/" + quant_format_name(s.format) + "/" +
                    (s.backend == "onednn" ? "int8" : quant_activation_name(s.act)) + "act";
    if (s.backend == "own" && !s.isa.empty()) n += "/" + s.isa;
    return n + "/" + std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
           "/t" + std::to_string(s.threads);
}

namespace {

struct WeightsKey {
    int bits;
    std::int64_t group, n, k;
    int tile_rows;
    bool quads;
    auto operator<=>(const WeightsKey&) const = default;
};

// Weights about N(0, 1) (core/operand_values.hpp) with a few outliers per row (what makes
// per-block scales matter), quantized, then re-laid in the packing the kernel reads (a load-time
// reorder, as oneDNN reorders its weights). The values depend only on (format, N, K), so cases
// of one matrix at several M share one copy while any of them lives: the calibration's decode
// shapes are four M values of one 11008 x 4096 matrix per format, and building it (180 MB of
// fp32 faulted in, quantized and repacked) per case cost seconds of its budget.
std::shared_ptr<const QuantMatrix> shared_test_weights(const QuantFormat& f, std::int64_t n,
                                                       std::int64_t k, const QuantPacking& p) {
    static std::mutex mu;
    static std::map<WeightsKey, std::weak_ptr<const QuantMatrix>> built;
    const WeightsKey key{f.bits, f.group, n, k, p.tile_rows, p.quads};
    std::lock_guard<std::mutex> lock(mu);
    if (auto w = built[key].lock()) return w;
    std::vector<float> w(std::size_t(n * k));
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = bell_at(16, i);
    for (std::int64_t r = 0; r < n; ++r) w[std::size_t(r * k + (r * 7919) % k)] *= 8.0f;
    QuantMatrix q = quantize_weights(f, n, k, w.data());
    if (!(q.packing == p)) q = quant_repack(q, p);
    auto shared = std::make_shared<const QuantMatrix>(std::move(q));
    built[key] = shared;
    return shared;
}

}  // namespace

QuantCase::QuantCase(const QuantCaseSpec& s) : spec_(s) {
    check_quant_shape(s.format, s.n, s.k);
    if (s.m <= 0) throw UsageError("quantized matmul: M must be positive");
    if (s.threads <= 0) throw UsageError("quantized matmul: threads must be positive");
    if (s.backend == "own") {
        kernel_ = &qgemm_kernel(s.act, s.isa);
    } else if (s.backend != "onednn") {
        throw UsageError("unknown quantized backend '" + s.backend + "' (valid: own, onednn)");
    }
    w_ = shared_test_weights(s.format, s.n, s.k, kernel_ ? kernel_->packing : QuantPacking{});
    x_.reset(std::size_t(s.m * s.k) * 4);
    for (std::int64_t i = 0; i < s.m * s.k; ++i) x_.as<float>()[i] = bell_at(17, std::uint64_t(i));
    y_.reset(std::size_t(s.m * s.n) * 4);
    if (s.backend == "onednn") {
        onednn_ = std::make_unique<OnednnInt8Matmul>(*w_, s.m, s.threads);
        onednn_->set_src(x_.as<float>());
    }
}

QuantCase::~QuantCase() = default;

void QuantCase::run() {
    if (onednn_) {
        onednn_->run(y_.as<float>());
    } else {
        qgemm_run(*kernel_, *w_, x_.as<float>(), spec_.m, y_.as<float>(), acts_, spec_.threads);
    }
}

void QuantCase::flush_device_cache() {
    if (!onednn_) shared_thread_pool(spec_.threads).run([](int) {});
}

ValidationReport QuantCase::validate() {
    std::fill(y_.as<float>(), y_.as<float>() + spec_.m * spec_.n, std::nanf(""));
    run();
    // Rows checked: all up to 8, else the first tile, the last row and a few spread between.
    std::set<std::int64_t> rs;
    if (spec_.m <= 8) {
        for (std::int64_t r = 0; r < spec_.m; ++r) rs.insert(r);
    } else {
        for (std::int64_t r : {std::int64_t(0), std::int64_t(1), std::int64_t(2), std::int64_t(3),
                               spec_.m / 3, spec_.m / 2 + 1, spec_.m - 1})
            rs.insert(r);
    }
    const std::vector<std::int64_t> rows(rs.begin(), rs.end());
    QuantReference ref;
    if (onednn_) {
        // oneDNN's inputs are its own per-tensor s8 activations: the oracle dequantizes those.
        std::vector<float> xd(std::size_t(spec_.m * spec_.k), 0.0f);
        for (std::int64_t r : rows)
            for (std::int64_t c = 0; c < spec_.k; ++c)
                xd[std::size_t(r * spec_.k + c)] =
                    float(onednn_->src()[std::size_t(r * spec_.k + c)]) * onednn_->src_scale();
        ref = quant_gemm_reference(*w_, xd.data(), QuantActivation::fp32, rows);
    } else {
        ref = quant_gemm_reference(*w_, x_.as<float>(), spec_.act, rows);
    }
    const double ratio = quant_max_error_ratio(ref, y_.as<float>(), spec_.n, spec_.k);
    ValidationReport v;
    v.passed = ratio < 1.0;
    v.max_error_ratio = ratio;
    v.checked = std::int64_t(rows.size()) * spec_.n;
    char buf[160];
    std::snprintf(
        buf, sizeof buf,
        "%zu rows x %lld columns against dequantize-then-double; max error %.3g of the bound",
        rows.size(), static_cast<long long>(spec_.n), ratio);
    v.detail = buf;
    return v;
}

CaseResult QuantCase::describe() const {
    CaseResult r;
    r.op = "quant_gemm";
    r.name = quant_case_name(spec_);
    r.backend = spec_.backend;
    r.dtype = quant_format_name(spec_.format);
    r.dims = {{"m", spec_.m}, {"n", spec_.n}, {"k", spec_.k}};
    const std::string act = onednn_ ? "int8" : quant_activation_name(spec_.act);
    r.params = {{"act", act},
                {"bits", std::to_string(spec_.format.bits)},
                {"group", std::to_string(spec_.format.group)}};
    r.threads = spec_.threads;
    r.model_flops = r.executed_flops = flops::gemm_model_flops(spec_.m, spec_.n, spec_.k);
    r.bytes = flops::quant_gemm_bytes(spec_.m, spec_.n, spec_.k, spec_.format.bits,
                                      spec_.format.group, 4.0, 4.0);
    r.operand_bytes = r.bytes;
    r.workspace_bytes =
        onednn_ ? double(spec_.m * spec_.k)
                : (spec_.act == QuantActivation::int8 ? double(spec_.m * spec_.k) * 1.0 : 0.0);
    r.kernel_set = onednn_ ? "onednn matmul " + onednn_->impl() : kernel_->name;
    r.binding = onednn_
                    ? std::to_string(spec_.threads) + " OpenMP threads (library-managed binding)"
                    : "pinned pool, " + std::to_string(spec_.threads) + " thread(s)";
    return r;
}

CaseResult measure_quant(const QuantCaseSpec& s, const MeasureOptions& o, MeasureContext& ctx,
                         const std::function<void(bool after)>& around) {
    std::unique_ptr<QuantCase> c;
    try {
        c = std::make_unique<QuantCase>(s);
    } catch (const UnavailableError& e) {
        CaseResult r;
        r.op = "quant_gemm";
        r.name = quant_case_name(s);
        r.backend = s.backend;
        r.dtype = quant_format_name(s.format);
        r.dims = {{"m", s.m}, {"n", s.n}, {"k", s.k}};
        r.threads = s.threads;
        r.status = CaseStatus::unavailable;
        r.error = e.what();
        return r;
    }
    if (around) around(false);
    CaseResult r = measure_case(*c, o, ctx);
    if (around) around(true);
    return r;
}

}  // namespace flopmeter
