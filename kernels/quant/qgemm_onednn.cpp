#include "kernels/quant/qgemm_onednn.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

#ifdef FLOPMETER_HAVE_ONEDNN
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace flopmeter {

#ifdef FLOPMETER_HAVE_ONEDNN
struct OnednnInt8Matmul::Impl {
    std::int64_t m = 0, n = 0, k = 0;
    int threads = 1;
    dnnl::engine eng{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{eng};
    dnnl::matmul::primitive_desc pd;
    dnnl::matmul prim;
    dnnl::memory src, wei, dst;
    std::vector<std::int8_t> xq;
    float xs = 1;
    std::vector<float> wscale, scales;
    dnnl::memory sc;
    std::string impl;
};

OnednnInt8Matmul::OnednnInt8Matmul(const QuantMatrix& w, std::int64_t m, int threads)
    : p_(std::make_unique<Impl>()) {
    if (w.format.bits != 8 || w.format.group != w.k)
        throw UnavailableError(
            "onednn: its int8 matmul takes int8 weights with one scale per output channel (q8_g" +
            std::to_string(w.k) + " here), not " + quant_format_name(w.format));
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    auto& p = *p_;
    p.m = m;
    p.n = w.n;
    p.k = w.k;
    p.threads = threads;
    omp_set_num_threads(threads);
    p.wscale.resize(std::size_t(w.n));
    for (std::int64_t j = 0; j < w.n; ++j) p.wscale[std::size_t(j)] = fp16_to_float(w.scale(j, 0));
    const dnnl::memory::desc src_md({m, w.k}, dt::s8, tag::ab);
    const dnnl::memory::desc wei_any({w.k, w.n}, dt::s8, tag::any);
    const dnnl::memory::desc wei_plain({w.k, w.n}, dt::s8, tag::ba);  // W is N x K row-major
    const dnnl::memory::desc dst_md({m, w.n}, dt::f32, tag::ab);
    try {
        dnnl::primitive_attr attr;
        attr.set_output_scales(1 << 1, {DNNL_RUNTIME_F32_VAL});
        dnnl::matmul::desc d(src_md, wei_any, dst_md);
        p.pd = dnnl::matmul::primitive_desc(d, attr, p.eng);
        p.prim = dnnl::matmul(p.pd);
        std::vector<std::int8_t> plain(std::size_t(w.n * w.k));
        for (std::int64_t j = 0; j < w.n; ++j)  // through quant_code: any packing of W
            for (std::int64_t c = 0; c < w.k; ++c)
                plain[std::size_t(j * w.k + c)] = std::int8_t(quant_code(w, j, c));
        dnnl::memory plain_mem(wei_plain, p.eng, plain.data());
        p.wei = dnnl::memory(p.pd.weights_desc(), p.eng);
        dnnl::reorder(plain_mem, p.wei).execute(p.stream, plain_mem, p.wei);
        p.stream.wait();
    } catch (const dnnl::error& e) {
        throw UnavailableError(std::string("onednn: cannot create an int8 matmul: ") + e.what());
    }
    p.impl = p.pd.impl_info_str();
    p.xq.resize(std::size_t(m * w.k));
    p.src = dnnl::memory(src_md, p.eng, p.xq.data());
    p.dst = dnnl::memory(dst_md, p.eng, nullptr);
}

OnednnInt8Matmul::~OnednnInt8Matmul() = default;

void OnednnInt8Matmul::set_src(const float* x) {
    auto& p = *p_;
    float amax = 0;
    for (std::int64_t i = 0; i < p.m * p.k; ++i) amax = std::max(amax, std::fabs(x[i]));
    p.xs = amax / 127.0f;
    const float id = p.xs > 0 ? 1.0f / p.xs : 0.0f;
    for (std::int64_t i = 0; i < p.m * p.k; ++i)
        p.xq[std::size_t(i)] = std::int8_t(std::clamp(int(std::nearbyint(x[i] * id)), -127, 127));
    p.scales = p.wscale;
    for (auto& s : p.scales) s *= p.xs;
    p.sc = dnnl::memory({{p.n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a}, p.eng,
                        p.scales.data());
}

void OnednnInt8Matmul::run(float* y) {
    auto& p = *p_;
    omp_set_num_threads(p.threads);
    p.dst.set_data_handle(y);
    p.prim.execute(p.stream, {{DNNL_ARG_SRC, p.src},
                              {DNNL_ARG_WEIGHTS, p.wei},
                              {DNNL_ARG_DST, p.dst},
                              {DNNL_ARG_ATTR_OUTPUT_SCALES, p.sc}});
    p.stream.wait();
}

std::string OnednnInt8Matmul::impl() const {
    return p_->impl;
}
const std::vector<std::int8_t>& OnednnInt8Matmul::src() const {
    return p_->xq;
}
float OnednnInt8Matmul::src_scale() const {
    return p_->xs;
}

#else
struct OnednnInt8Matmul::Impl {
    std::vector<std::int8_t> xq;
};
OnednnInt8Matmul::OnednnInt8Matmul(const QuantMatrix&, std::int64_t, int) {
    throw UnavailableError(
        "onednn: this build has no oneDNN (install libdnnl-dev and reconfigure)");
}
OnednnInt8Matmul::~OnednnInt8Matmul() = default;
void OnednnInt8Matmul::set_src(const float*) {}
void OnednnInt8Matmul::run(float*) {}
std::string OnednnInt8Matmul::impl() const {
    return "";
}
const std::vector<std::int8_t>& OnednnInt8Matmul::src() const {
    return p_->xq;
}
float OnednnInt8Matmul::src_scale() const {
    return 0;
}
#endif

}  // namespace flopmeter
