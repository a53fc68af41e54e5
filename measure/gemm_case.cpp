#include "measure/gemm_case.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "core/flops.hpp"
#include "core/memory_info.hpp"
#include "measure/cache_scrub.hpp"
#include "measure/operand_pool.hpp"

namespace flopmeter {

namespace {

// The oracle's terms per problem, kept for the process: A and B are the shared read-only
// operand streams (measure/operand_pool.hpp), whose first elements are the same values in
// every case of a shape, so the terms of one shape stay the oracle for every later case of it.
// A served side of `ab` builds the same case again at every visit, and a full check of
// 256 x 256 x 256 (64Ki dot products of 256 terms) took ~35 ms of each. Each later output is
// still checked entry by entry against them. Kept up to kTermsCacheBytes, then started afresh.
constexpr std::size_t kTermsCacheBytes = std::size_t(64) << 20;

struct TermsKey {
    DType dtype;
    Layout layout;
    std::int64_t m, n, k, lda, ldb;
    bool operator<(const TermsKey& o) const {
        return std::tie(dtype, layout, m, n, k, lda, ldb) <
               std::tie(o.dtype, o.layout, o.m, o.n, o.k, o.lda, o.ldb);
    }
};

std::shared_ptr<const std::vector<GemmDotTerms>> shared_reference_terms(const GemmProblem& p,
                                                                        const GemmOperands& ops) {
    static std::mutex mu;
    static std::map<TermsKey, std::shared_ptr<const std::vector<GemmDotTerms>>> cache;
    static std::size_t bytes = 0;
    const TermsKey key{p.dtype, p.layout, p.m, p.n, p.k, ops.lda, ops.ldb};
    {
        std::lock_guard<std::mutex> lock(mu);
        if (auto it = cache.find(key); it != cache.end()) return it->second;
    }
    auto terms = std::make_shared<const std::vector<GemmDotTerms>>(gemm_reference_terms(p, ops));
    const std::size_t size = terms->size() * sizeof(GemmDotTerms);
    std::lock_guard<std::mutex> lock(mu);
    if (bytes + size > kTermsCacheBytes) {
        cache.clear();
        bytes = 0;
    }
    if (size <= kTermsCacheBytes && cache.emplace(key, terms).second) bytes += size;
    return terms;
}

std::string fmt_double(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

}  // namespace

std::string gemm_case_name(const GemmCaseSpec& s) {
    const GemmProblem& p = s.problem;
    std::string n = "gemm/" + s.backend + "/" + std::string(dtype_name(p.dtype)) + "/" +
                    std::string(layout_name(p.layout)) + "/" + std::to_string(p.m) + "x" +
                    std::to_string(p.n) + "x" + std::to_string(p.k);
    if (p.alpha != 1.0 || p.beta != 0.0) n += "/a" + fmt_double(p.alpha) + "b" + fmt_double(p.beta);
    return n + "/t" + std::to_string(s.threads);
}

int gemm_cold_operand_sets(const GemmProblem& p) {
    const double one = gemm_footprint_bytes(p);
    const double want = double(cold_rotation_bytes());
    int sets = one >= want ? 1 : int(std::ceil(want / one));
    sets = std::min(sets, 8);
    const double avail = double(available_memory_bytes());
    while (sets > 1 && double(sets) * one > 0.4 * avail) --sets;
    return sets;
}

GemmCase::GemmCase(const GemmCaseSpec& spec, int operand_sets) : spec_(spec) {
    backend_ = &find_gemm_backend(spec.backend);
    const GemmProblem& p = spec.problem;
    check_gemm_problem(p);
    const DType ct = gemm_c_dtype(p.dtype);
    const std::int64_t na = p.m * p.k, nb = p.k * p.n, nc = p.m * p.n;
    // A, B and C's initial values come from the process's shared, read-only input streams
    // (measure/operand_pool.hpp); cold mode's further operand sets are copies of them.
    a0_ = shared_uniform_operand(p.dtype, 1, na);
    b0_ = shared_uniform_operand(p.dtype, 2, nb);
    c_init_ = shared_uniform_operand(ct, 3, nc);
    const std::size_t a_bytes = std::size_t(na) * dtype_size(p.dtype),
                      b_bytes = std::size_t(nb) * dtype_size(p.dtype);
    const std::size_t c_bytes = std::size_t(nc) * dtype_size(ct);
    sets_.resize(std::size_t(std::max(1, operand_sets)));
    for (std::size_t i = 0; i < sets_.size(); ++i) {
        Operands& s = sets_[i];
        if (i == 0) {
            s.a = a0_->data();
            s.b = b0_->data();
        } else {
            s.own_a.reset(a_bytes);
            s.own_b.reset(b_bytes);
            std::memcpy(s.own_a.data(), a0_->data(), a_bytes);
            std::memcpy(s.own_b.data(), b0_->data(), b_bytes);
            s.a = s.own_a.data();
            s.b = s.own_b.data();
        }
        s.c.reset(c_bytes);
        std::memcpy(s.c.data(), c_init_->data(), c_bytes);
    }
    ops_ = GemmOperands{sets_[0].a,  sets_[0].b,  sets_[0].c.data(),
                        gemm_lda(p), gemm_ldb(p), gemm_ldc(p)};
    plan_ = make_gemm_plan(*backend_, p, spec.threads);
}

void GemmCase::select_operand_set(int i) {
    Operands& s = sets_[std::size_t(i) % sets_.size()];
    ops_.a = s.a;
    ops_.b = s.b;
    ops_.c = s.c.data();
}

ValidationReport GemmCase::validate() {
    select_operand_set(0);
    std::memcpy(sets_[0].c.data(), c_init_->data(), sets_[0].c.size());
    plan_->run(ops_);
    const auto terms = shared_reference_terms(spec_.problem, ops_);
    return validate_gemm(spec_.problem, ops_, c_init_->data(), sets_[0].c.data(), terms.get());
}

CaseResult GemmCase::describe() const {
    const GemmProblem& p = spec_.problem;
    CaseResult r;
    r.op = "gemm";
    r.name = gemm_case_name(spec_);
    r.backend = spec_.backend;
    r.dtype = std::string(dtype_name(p.dtype));
    r.dims = {{"m", p.m}, {"n", p.n}, {"k", p.k}};
    r.params = {{"layout", std::string(layout_name(p.layout))},
                {"alpha", fmt_double(p.alpha)},
                {"beta", fmt_double(p.beta)},
                {"c_dtype", std::string(dtype_name(gemm_c_dtype(p.dtype)))}};
    r.threads = spec_.threads;
    r.model_flops = flops::gemm_model_flops(p.m, p.n, p.k);
    r.executed_flops = flops::gemm_executed_flops(p.m, p.n, p.k, p.alpha, p.beta);
    const double in = double(dtype_size(p.dtype)), out = double(dtype_size(gemm_c_dtype(p.dtype)));
    r.bytes = flops::gemm_bytes(p.m, p.n, p.k, in, in, out, p.beta).total();
    r.operand_bytes = gemm_footprint_bytes(p);
    if (plan_) {
        r.kernel_set = plan_->kernel_set();
        r.binding = plan_->binding();
        r.workspace_bytes = plan_->workspace_bytes();
    }
    if (backend_) r.warnings = backend_->warnings();
    return r;
}

CaseResult measure_gemm(const GemmCaseSpec& spec, const MeasureOptions& o, MeasureContext& ctx) {
    check_gemm_problem(spec.problem);
    const int sets = o.cache == CacheMode::cold ? gemm_cold_operand_sets(spec.problem) : 1;
    GemmCase c(spec, sets);  // usage errors propagate
    return measure_case(c, o, ctx);
}

}  // namespace flopmeter
