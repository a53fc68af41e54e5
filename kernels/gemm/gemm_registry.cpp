#include <algorithm>

#include "core/error.hpp"
#include "kernels/gemm/gemm_backend.hpp"

namespace flopmeter {

bool GemmBackend::supports(DType t) const {
    return std::find(dtypes.begin(), dtypes.end(), t) != dtypes.end();
}

const std::vector<GemmBackend>& gemm_backends() {
    static const std::vector<GemmBackend> v = {own_gemm_backend(), openblas_gemm_backend(),
                                               onednn_gemm_backend(), reference_gemm_backend()};
    return v;
}

std::string gemm_backend_names() {
    std::string s;
    for (const auto& b : gemm_backends()) s += (s.empty() ? "" : ", ") + b.name;
    return s;
}

const GemmBackend& find_gemm_backend(std::string_view name) {
    for (const auto& b : gemm_backends())
        if (b.name == name) return b;
    throw UsageError("unknown GEMM backend '" + std::string(name) +
                     "' (valid: " + gemm_backend_names() + ")");
}

std::unique_ptr<GemmPlan> make_gemm_plan(const GemmBackend& backend, const GemmProblem& p,
                                         int threads) {
    if (!backend.supports(p.dtype)) {
        std::string valid;
        for (DType t : backend.dtypes)
            valid += (valid.empty() ? "" : ", ") + std::string(dtype_name(t));
        throw UnavailableError("backend '" + backend.name + "' does not support dtype " +
                               std::string(dtype_name(p.dtype)) + " (it supports: " + valid + ")");
    }
    if (auto why = backend.unavailable(p.dtype))
        throw UnavailableError("backend '" + backend.name + "' is unavailable here: " + *why);
    if (threads < 1) throw UsageError("thread count must be at least 1");
    check_gemm_problem(p);
    return backend.make_plan(p, threads);
}

}  // namespace flopmeter
