// The `onednn` GEMM backend: oneDNN's matmul primitive for fp32 and bf16 (bf16 A and B, fp32
// C), strides expressing the nt/tn layouts, alpha as an output scale and beta as a sum
// post-op. The primitive is created in the plan, outside any timed region; the implementation
// oneDNN picked (impl_info_str, e.g. "brg:avx512_core_bf16") is the recorded kernel set.
// oneDNN threads through OpenMP here, so the plan sets the OpenMP thread count.
#include "core/error.hpp"
#include "kernels/gemm/gemm_backend.hpp"
#include "kernels/gemm/vendor_info.hpp"

#ifdef FLOPMETER_HAVE_ONEDNN
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace flopmeter {

#ifdef FLOPMETER_HAVE_ONEDNN
namespace {

dnnl::engine& cpu_engine() {
    static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    return eng;
}

class OnednnGemmPlan final : public GemmPlan {
  public:
    OnednnGemmPlan(const GemmProblem& p, int threads) : threads_(threads) {
        using dt = dnnl::memory::data_type;
        using dims = dnnl::memory::dims;
        dt in;
        switch (p.dtype) {
            case DType::fp32:
                in = dt::f32;
                break;
            case DType::bf16:
                in = dt::bf16;
                break;
            default:
                throw UnavailableError("onednn: no CPU matmul for dtype " +
                                       std::string(dtype_name(p.dtype)) + " (valid: fp32, bf16)");
        }
        omp_set_num_threads(threads);
        const dnnl::memory::dim lda = gemm_lda(p), ldb = gemm_ldb(p), ldc = gemm_ldc(p);
        a_md_ = dnnl::memory::desc({p.m, p.k}, in,
                                   layout_trans_a(p.layout) ? dims{1, lda} : dims{lda, 1});
        b_md_ = dnnl::memory::desc({p.k, p.n}, in,
                                   layout_trans_b(p.layout) ? dims{1, ldb} : dims{ldb, 1});
        c_md_ = dnnl::memory::desc({p.m, p.n}, dt::f32, dims{ldc, 1});
        dnnl::primitive_attr attr;
        if (p.alpha != 1.0) attr.set_output_scales(0, {float(p.alpha)});
        if (p.beta != 0.0) {
            dnnl::post_ops po;
            po.append_sum(float(p.beta));
            attr.set_post_ops(po);
        }
        try {
            dnnl::matmul::desc d(a_md_, b_md_, c_md_);
            pd_ = dnnl::matmul::primitive_desc(d, attr, cpu_engine());
            prim_ = dnnl::matmul(pd_);
        } catch (const dnnl::error& e) {
            throw UnavailableError(std::string("onednn: cannot create a matmul for ") +
                                   describe(p) + ": " + e.what());
        }
        impl_ = pd_.impl_info_str();
        a_ = dnnl::memory(a_md_, cpu_engine(), nullptr);
        b_ = dnnl::memory(b_md_, cpu_engine(), nullptr);
        c_ = dnnl::memory(c_md_, cpu_engine(), nullptr);
        stream_ = dnnl::stream(cpu_engine());
    }

    void run(const GemmOperands& o) override {
        omp_set_num_threads(threads_);
        a_.set_data_handle(const_cast<void*>(o.a));
        b_.set_data_handle(const_cast<void*>(o.b));
        c_.set_data_handle(o.c);
        prim_.execute(stream_, {{DNNL_ARG_SRC, a_}, {DNNL_ARG_WEIGHTS, b_}, {DNNL_ARG_DST, c_}});
        stream_.wait();
    }

    std::string kernel_set() const override { return "onednn matmul " + impl_; }
    std::string binding() const override {
        return std::to_string(threads_) + " OpenMP threads (library-managed binding)";
    }

  private:
    int threads_;
    dnnl::memory::desc a_md_, b_md_, c_md_;
    dnnl::matmul::primitive_desc pd_;
    dnnl::matmul prim_;
    dnnl::memory a_, b_, c_;
    dnnl::stream stream_;
    std::string impl_;
};

}  // namespace
#endif

GemmBackend onednn_gemm_backend() {
    GemmBackend b;
    b.name = "onednn";
    b.description = "oneDNN matmul primitive (fp32, bf16 -> fp32)";
    b.dtypes = {DType::fp32, DType::bf16};
#ifdef FLOPMETER_HAVE_ONEDNN
    b.unavailable = [](DType t) -> std::optional<std::string> {
        if (t != DType::fp32 && t != DType::bf16)
            return "oneDNN has no CPU matmul for " + std::string(dtype_name(t));
        return std::nullopt;
    };
    b.make_plan = [](const GemmProblem& p, int threads) -> std::unique_ptr<GemmPlan> {
        return std::make_unique<OnednnGemmPlan>(p, threads);
    };
#else
    b.unavailable = [](DType) -> std::optional<std::string> {
        return "flopmeter was built without oneDNN (install libdnnl-dev and rebuild)";
    };
    b.make_plan = [](const GemmProblem&, int) -> std::unique_ptr<GemmPlan> {
        throw UnavailableError("flopmeter was built without oneDNN");
    };
#endif
    b.warnings = [] { return std::vector<std::string>{}; };
    return b;
}

std::string onednn_version() {
#ifdef FLOPMETER_HAVE_ONEDNN
    const dnnl_version_t* v = dnnl_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
           std::to_string(v->patch) + " (" + (v->hash ? v->hash : "") + ")";
#else
    return "";
#endif
}

}  // namespace flopmeter
