#include "measure/memop_case.hpp"

#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.hpp"
#include "core/memory_info.hpp"
#include "core/operand_values.hpp"
#include "measure/operand_pool.hpp"

namespace flopmeter {

std::string memop_case_name(const MemOpShape& s, int threads) {
    return "memory/" + std::string(memop_name(s.op)) + "/" + std::to_string(s.rows) + "x" +
           std::to_string(s.cols) + "/t" + std::to_string(threads);
}

MemOpCase::MemOpCase(const MemOpShape& s, int threads) : shape_(s), threads_(threads) {
    if (s.rows <= 0 || s.cols <= 0) throw UsageError("memory op sizes must be positive");
    const double n = double(s.rows) * double(s.cols);
    const int arrays = memop_arrays(s.op);
    if (n * 4.0 * 2 * arrays > 0.8 * double(available_memory_bytes()))
        throw UsageError("memory op " + memop_case_name(s, threads) +
                         " does not fit in available memory");
    // Inputs uniform in [-1, 1) from the process's shared, read-only input streams
    // (measure/operand_pool.hpp; the calibration keeps ~25 of these cases alive, and an own
    // copy of every initial array doubled what they faulted in); the second moment v of AdamW
    // in [0, 1), its own array (core/operand_values.hpp).
    for (int a = 0; a < arrays; ++a) {
        const std::uint64_t seed = 7 + std::uint64_t(a);
        if (s.op == MemOp::adamw && a == 3) {  // v (second moment) >= 0
            auto v = std::make_shared<AlignedBuffer>(std::size_t(n) * 4);
            float* p = v->as<float>();
            for (std::int64_t i = 0; i < std::int64_t(n); ++i)
                p[i] = 0.5f * (uniform_pm1_at(seed, std::uint64_t(i)) + 1.0f);
            init_.push_back(std::move(v));
        } else {
            init_.push_back(shared_uniform_operand(DType::fp32, seed, std::int64_t(n)));
        }
        bufs_.emplace_back(std::size_t(n) * 4);
        std::memcpy(bufs_.back().data(), init_.back()->data(), std::size_t(n) * 4);
        ptrs_.push_back(bufs_.back().as<float>());
    }
    aux_.reset(std::size_t(s.cols) * 4);
    for (std::int64_t c = 0; c < s.cols; ++c)
        aux_.as<float>()[c] = 1.0f + 0.5f * uniform_pm1_at(99, std::uint64_t(c));
}

ValidationReport MemOpCase::validate() {
    for (std::size_t a = 0; a < bufs_.size(); ++a)
        std::memcpy(bufs_[a].data(), init_[a]->data(), bufs_[a].size());
    run();
    std::vector<const float*> in;
    for (auto& b : init_) in.push_back(b->as<float>());
    const double err = memop_max_rel_error(shape_, in.data(), ptrs_.data(), aux_.as<float>());
    ValidationReport r;
    constexpr double kTol = 1e-4;  // fp32 arithmetic against double, relative
    r.passed = err <= kTol;
    r.max_error_ratio = err / kTol;
    r.checked = shape_.rows * shape_.cols;
    char buf[128];
    std::snprintf(buf, sizeof buf, "max relative error %.3g (tolerance %.0e)", err, kTol);
    r.detail = buf;
    return r;
}

CaseResult MemOpCase::describe() const {
    CaseResult r;
    r.op = "memory";
    r.name = memop_case_name(shape_, threads_);
    r.backend = "own";
    r.dtype = "fp32";
    r.dims = {{"rows", shape_.rows}, {"cols", shape_.cols}};
    r.params = {{"kind", std::string(memop_name(shape_.op))}};
    r.threads = threads_;
    r.model_flops = r.executed_flops = memop_flops(shape_);
    r.bytes = memop_bytes(shape_);
    r.operand_bytes = r.bytes;
    r.kernel_set = "memop_" + std::string(memop_name(shape_.op)) + "_fp32";
    r.binding = "pinned pool, " + std::to_string(threads_) + " thread(s)";
    return r;
}

}  // namespace flopmeter
