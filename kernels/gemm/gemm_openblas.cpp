// The `openblas` GEMM backend: cblas_sgemm / cblas_dgemm, and cblas_sbgemm (bf16 inputs, fp32
// C) when the installed library exports it (looked up at run time: Debian's 0.3.21 declares it
// in cblas.h but may be built without it). Every result records the kernel set OpenBLAS chose
// (openblas_get_corename), and a warning fires when OPENBLAS_CORETYPE or the library's own
// CPU detection runs a lesser ISA than this CPU supports.
#include <dlfcn.h>

#include <cstdlib>

#include "core/error.hpp"
#include "core/isa.hpp"
#include "kernels/gemm/gemm_backend.hpp"
#include "kernels/gemm/vendor_info.hpp"

#ifdef FLOPMETER_HAVE_OPENBLAS
#include <cblas.h>
extern "C" char* openblas_get_corename(void);
extern "C" char* openblas_get_config(void);
extern "C" void openblas_set_num_threads(int);
#endif

namespace flopmeter {

#ifdef FLOPMETER_HAVE_OPENBLAS
namespace {

using SbgemmFn = void (*)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint,
                          blasint, blasint, float, const void*, blasint, const void*, blasint,
                          float, float*, blasint);

SbgemmFn sbgemm_symbol() {
    static SbgemmFn fn = reinterpret_cast<SbgemmFn>(dlsym(RTLD_DEFAULT, "cblas_sbgemm"));
    return fn;
}

// The ISA level a core name's kernels use (OpenBLAS's DYNAMIC_ARCH core names).
Isa corename_isa(const std::string& core) {
    for (const char* c : {"SkylakeX", "Cooperlake", "SapphireRapids"})
        if (core == c) return core == std::string("SkylakeX") ? Isa::avx512 : Isa::avx512_bf16;
    for (const char* c : {"Haswell", "Zen", "Excavator", "Steamroller", "Piledriver"})
        if (core == c) return Isa::avx2;
    return Isa::generic;
}

std::string corename() {
    const char* c = openblas_get_corename();
    return c ? c : "unknown";
}

class OpenblasGemmPlan final : public GemmPlan {
  public:
    OpenblasGemmPlan(const GemmProblem& p, int threads) : p_(p), threads_(threads) {
        constexpr std::int64_t kMax = 2147483647;
        if (p.m > kMax || p.n > kMax || p.k > kMax || p.m * p.k > kMax * 4096)
            throw UsageError("openblas uses 32-bit sizes (blasint): " + describe(p) +
                             " is too large for it");
        if (p.dtype == DType::bf16 && !sbgemm_symbol())
            throw UnavailableError("openblas: this OpenBLAS build has no cblas_sbgemm (bf16)");
        openblas_set_num_threads(threads);
    }

    void run(const GemmOperands& o) override {
        const auto ta = layout_trans_a(p_.layout) ? CblasTrans : CblasNoTrans;
        const auto tb = layout_trans_b(p_.layout) ? CblasTrans : CblasNoTrans;
        const blasint m = blasint(p_.m), n = blasint(p_.n), k = blasint(p_.k);
        switch (p_.dtype) {
            case DType::fp32:
                cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, float(p_.alpha),
                            static_cast<const float*>(o.a), blasint(o.lda),
                            static_cast<const float*>(o.b), blasint(o.ldb), float(p_.beta),
                            static_cast<float*>(o.c), blasint(o.ldc));
                break;
            case DType::fp64:
                cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, p_.alpha,
                            static_cast<const double*>(o.a), blasint(o.lda),
                            static_cast<const double*>(o.b), blasint(o.ldb), p_.beta,
                            static_cast<double*>(o.c), blasint(o.ldc));
                break;
            case DType::bf16:
                sbgemm_symbol()(CblasRowMajor, ta, tb, m, n, k, float(p_.alpha), o.a,
                                blasint(o.lda), o.b, blasint(o.ldb), float(p_.beta),
                                static_cast<float*>(o.c), blasint(o.ldc));
                break;
            default:
                throw UsageError("openblas: unsupported dtype");
        }
    }

    std::string kernel_set() const override { return "openblas " + corename(); }
    std::string binding() const override {
        return std::to_string(threads_) + " OpenBLAS threads (library-managed binding)";
    }

  private:
    GemmProblem p_;
    int threads_;
};

}  // namespace
#endif

GemmBackend openblas_gemm_backend() {
    GemmBackend b;
    b.name = "openblas";
    b.description = "OpenBLAS cblas_sgemm/dgemm (and sbgemm where exported)";
    b.dtypes = {DType::fp32, DType::fp64, DType::bf16};
#ifdef FLOPMETER_HAVE_OPENBLAS
    b.unavailable = [](DType t) -> std::optional<std::string> {
        if (t == DType::bf16 && !sbgemm_symbol())
            return "this OpenBLAS build does not export cblas_sbgemm (bf16)";
        return std::nullopt;
    };
    b.make_plan = [](const GemmProblem& p, int threads) -> std::unique_ptr<GemmPlan> {
        return std::make_unique<OpenblasGemmPlan>(p, threads);
    };
    b.warnings = [] {
        std::vector<std::string> w;
        const std::string core = corename();
        const char* env = std::getenv("OPENBLAS_CORETYPE");
        const Isa cpu = isa_supported();
        const Isa lib = corename_isa(core);
        const bool cpu512 = cpu >= Isa::avx512, lib512 = lib >= Isa::avx512;
        if (cpu512 && !lib512) {
            std::string msg = "OpenBLAS runs its '" + core + "' kernels (" +
                              std::string(isa_name(lib)) + ") but this CPU supports " +
                              std::string(isa_name(cpu));
            if (env && *env)
                msg += ": OPENBLAS_CORETYPE=" + std::string(env) +
                       " forces it; unset it or set "
                       "OPENBLAS_CORETYPE=SkylakeX for AVX-512 kernels";
            w.push_back(msg);
        } else if (env && *env) {
            w.push_back("OPENBLAS_CORETYPE=" + std::string(env) +
                        " overrides OpenBLAS's CPU detection (running '" + core + "')");
        }
        return w;
    };
#else
    b.unavailable = [](DType) -> std::optional<std::string> {
        return "flopmeter was built without OpenBLAS (install libopenblas-dev and rebuild)";
    };
    b.make_plan = [](const GemmProblem&, int) -> std::unique_ptr<GemmPlan> {
        throw UnavailableError("flopmeter was built without OpenBLAS");
    };
    b.warnings = [] { return std::vector<std::string>{}; };
#endif
    return b;
}

std::string openblas_corename() {
#ifdef FLOPMETER_HAVE_OPENBLAS
    return corename();
#else
    return "";
#endif
}

std::string openblas_config() {
#ifdef FLOPMETER_HAVE_OPENBLAS
    const char* c = openblas_get_config();
    std::string s = c ? c : "";
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
#else
    return "";
#endif
}

}  // namespace flopmeter
