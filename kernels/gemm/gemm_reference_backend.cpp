// The `reference` GEMM backend: the naive oracle (gemm_reference.hpp, double accumulation)
// timed like any other backend. Serial and slow by design: a floor, not a contender.
#include "core/bf16.hpp"
#include "core/error.hpp"
#include "kernels/gemm/gemm_backend.hpp"
#include "kernels/gemm/gemm_reference.hpp"

namespace flopmeter {
namespace {

class ReferenceGemmPlan final : public GemmPlan {
  public:
    explicit ReferenceGemmPlan(const GemmProblem& p) : p_(p) {}

    void run(const GemmOperands& o) override {
        switch (p_.dtype) {
            case DType::fp32:
                gemm_reference<float, double, float>(p_.layout, p_.m, p_.n, p_.k, p_.alpha,
                                                     static_cast<const float*>(o.a), o.lda,
                                                     static_cast<const float*>(o.b), o.ldb, p_.beta,
                                                     static_cast<float*>(o.c), o.ldc);
                break;
            case DType::fp64:
                gemm_reference<double, double, double>(p_.layout, p_.m, p_.n, p_.k, p_.alpha,
                                                       static_cast<const double*>(o.a), o.lda,
                                                       static_cast<const double*>(o.b), o.ldb,
                                                       p_.beta, static_cast<double*>(o.c), o.ldc);
                break;
            case DType::bf16:
                gemm_reference<bf16, double, float>(
                    p_.layout, p_.m, p_.n, p_.k, p_.alpha, static_cast<const bf16*>(o.a), o.lda,
                    static_cast<const bf16*>(o.b), o.ldb, p_.beta, static_cast<float*>(o.c), o.ldc);
                break;
            default:
                throw UsageError("reference: unsupported dtype");
        }
    }
    std::string kernel_set() const override { return "reference naive (double accumulation)"; }
    std::string binding() const override { return "1 thread (the reference is serial)"; }

  private:
    GemmProblem p_;
};

}  // namespace

GemmBackend reference_gemm_backend() {
    GemmBackend b;
    b.name = "reference";
    b.description = "naive triple loop with double accumulation (the validation oracle)";
    b.dtypes = {DType::fp32, DType::fp64, DType::bf16};
    b.unavailable = [](DType) -> std::optional<std::string> { return std::nullopt; };
    b.make_plan = [](const GemmProblem& p, int) -> std::unique_ptr<GemmPlan> {
        return std::make_unique<ReferenceGemmPlan>(p);
    };
    b.warnings = [] { return std::vector<std::string>{}; };
    return b;
}

}  // namespace flopmeter
