#include "kernels/memops/memops.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/thread_pool.hpp"

namespace flopmeter {

std::string_view memop_name(MemOp op) {
    switch (op) {
        case MemOp::residual_add:
            return "residual_add";
        case MemOp::rmsnorm:
            return "rmsnorm";
        case MemOp::softmax:
            return "softmax";
        case MemOp::adamw:
            return "adamw";
    }
    return "?";
}

std::optional<MemOp> parse_memop(std::string_view s) {
    for (MemOp op : {MemOp::residual_add, MemOp::rmsnorm, MemOp::softmax, MemOp::adamw})
        if (s == memop_name(op)) return op;
    return std::nullopt;
}

int memop_arrays(MemOp op) {
    switch (op) {
        case MemOp::residual_add:
            return 3;
        case MemOp::rmsnorm:
            return 2;
        case MemOp::softmax:
            return 2;
        case MemOp::adamw:
            return 4;
    }
    return 1;
}

double memop_bytes(const MemOpShape& s) {
    const double n = double(s.rows) * double(s.cols);
    switch (s.op) {
        case MemOp::residual_add:
            return 12.0 * n;
        case MemOp::rmsnorm:
            return 8.0 * n + 4.0 * double(s.cols);
        case MemOp::softmax:
            return 8.0 * n;
        case MemOp::adamw:
            return 28.0 * n;
    }
    return 0;
}

double memop_flops(const MemOpShape& s) {
    const double n = double(s.rows) * double(s.cols);
    switch (s.op) {
        case MemOp::residual_add:
            return n;  // one add
        case MemOp::rmsnorm:
            return 4.0 * n;  // square, add, scale, gain
        case MemOp::softmax:
            return 4.0 * n;  // max, sub, exp, divide (exp counted as one)
        case MemOp::adamw:
            return 16.0 * n;  // moments, bias correction, sqrt, update, decay
    }
    return 0;
}

namespace {

void row_range(const MemOpShape& s, int tid, int threads, std::int64_t& r0, std::int64_t& r1) {
    r0 = s.rows * tid / threads;
    r1 = s.rows * (tid + 1) / threads;
}

void elem_range(std::int64_t n, int tid, int threads, std::int64_t& i0, std::int64_t& i1) {
    i0 = n * tid / threads / 16 * 16;
    i1 = tid + 1 == threads ? n : n * (tid + 1) / threads / 16 * 16;
}

}  // namespace

void run_memop(const MemOpShape& s, float* const* x, const float* aux, int threads) {
    const std::int64_t n = s.rows * s.cols;
    shared_thread_pool(threads).run([&](int tid) {
        std::int64_t i0, i1, r0, r1;
        switch (s.op) {
            case MemOp::residual_add: {
                elem_range(n, tid, threads, i0, i1);
                const float* a = x[0];
                const float* b = x[1];
                float* y = x[2];
                for (std::int64_t i = i0; i < i1; ++i) y[i] = a[i] + b[i];
                break;
            }
            case MemOp::rmsnorm: {
                row_range(s, tid, threads, r0, r1);
                for (std::int64_t r = r0; r < r1; ++r) {
                    const float* in = x[0] + r * s.cols;
                    float* out = x[1] + r * s.cols;
                    float ss[8] = {};
                    std::int64_t c = 0;
                    for (; c + 8 <= s.cols; c += 8)
                        for (int q = 0; q < 8; ++q) ss[q] += in[c + q] * in[c + q];
                    float sum = 0;
                    for (int q = 0; q < 8; ++q) sum += ss[q];
                    for (; c < s.cols; ++c) sum += in[c] * in[c];
                    const float inv = 1.0f / std::sqrt(sum / float(s.cols) + 1e-6f);
                    for (std::int64_t k = 0; k < s.cols; ++k) out[k] = in[k] * inv * aux[k];
                }
                break;
            }
            case MemOp::softmax: {
                row_range(s, tid, threads, r0, r1);
                for (std::int64_t r = r0; r < r1; ++r) {
                    const float* in = x[0] + r * s.cols;
                    float* out = x[1] + r * s.cols;
                    float m = in[0];
                    for (std::int64_t k = 1; k < s.cols; ++k) m = std::max(m, in[k]);
                    float sum = 0;
                    for (std::int64_t k = 0; k < s.cols; ++k) {
                        out[k] = std::exp(in[k] - m);
                        sum += out[k];
                    }
                    const float inv = 1.0f / sum;
                    for (std::int64_t k = 0; k < s.cols; ++k) out[k] *= inv;
                }
                break;
            }
            case MemOp::adamw: {
                elem_range(n, tid, threads, i0, i1);
                const AdamWParams h;
                const float bc1 = 1.0f - std::pow(h.beta1, float(h.step)),
                            bc2 = 1.0f - std::pow(h.beta2, float(h.step));
                float* p = x[0];
                const float* g = x[1];
                float* m = x[2];
                float* v = x[3];
                for (std::int64_t i = i0; i < i1; ++i) {
                    m[i] = h.beta1 * m[i] + (1.0f - h.beta1) * g[i];
                    v[i] = h.beta2 * v[i] + (1.0f - h.beta2) * g[i] * g[i];
                    const float upd = (m[i] / bc1) / (std::sqrt(v[i] / bc2) + h.eps);
                    p[i] -= h.lr * (upd + h.weight_decay * p[i]);
                }
                break;
            }
        }
    });
}

double memop_max_rel_error(const MemOpShape& s, const float* const* in, float* const* out,
                           const float* aux) {
    const std::int64_t n = s.rows * s.cols;
    double worst = 0;
    auto check = [&](double ref, double got, double scale) {
        const double e = std::fabs(ref - got) / std::max(std::fabs(ref), scale);
        if (!(e <= worst)) worst = std::isfinite(e) ? std::max(worst, e) : INFINITY;
    };
    switch (s.op) {
        case MemOp::residual_add:
            for (std::int64_t i = 0; i < n; ++i)
                check(double(in[0][i]) + in[1][i], out[2][i], 1e-30);
            break;
        case MemOp::rmsnorm:
            for (std::int64_t r = 0; r < s.rows; ++r) {
                double ss = 0;
                for (std::int64_t c = 0; c < s.cols; ++c)
                    ss += double(in[0][r * s.cols + c]) * in[0][r * s.cols + c];
                const double inv = 1.0 / std::sqrt(ss / double(s.cols) + 1e-6);
                for (std::int64_t c = 0; c < s.cols; ++c)
                    check(double(in[0][r * s.cols + c]) * inv * aux[c], out[1][r * s.cols + c],
                          1e-3);
            }
            break;
        case MemOp::softmax:
            for (std::int64_t r = 0; r < s.rows; ++r) {
                double m = in[0][r * s.cols];
                for (std::int64_t c = 0; c < s.cols; ++c)
                    m = std::max(m, double(in[0][r * s.cols + c]));
                double sum = 0;
                for (std::int64_t c = 0; c < s.cols; ++c)
                    sum += std::exp(double(in[0][r * s.cols + c]) - m);
                for (std::int64_t c = 0; c < s.cols; ++c)
                    check(std::exp(double(in[0][r * s.cols + c]) - m) / sum, out[1][r * s.cols + c],
                          1e-6 / double(s.cols));
            }
            break;
        case MemOp::adamw: {
            const AdamWParams h;
            const double bc1 = 1.0 - std::pow(double(h.beta1), h.step),
                         bc2 = 1.0 - std::pow(double(h.beta2), h.step);
            for (std::int64_t i = 0; i < n; ++i) {
                const double g = in[1][i];
                const double m = h.beta1 * double(in[2][i]) + (1.0 - h.beta1) * g;
                const double v = h.beta2 * double(in[3][i]) + (1.0 - h.beta2) * g * g;
                const double upd =
                    (m / bc1) / (std::sqrt(v / bc2) + h.eps) + h.weight_decay * in[0][i];
                const double p = double(in[0][i]) - h.lr * upd;
                // Errors relative to the size of the terms summed (m and p can cancel to ~0).
                check(p, out[0][i], std::fabs(in[0][i]) + h.lr * std::fabs(upd));
                check(m, out[2][i], h.beta1 * std::fabs(in[2][i]) + (1.0 - h.beta1) * std::fabs(g));
                check(v, out[3][i], h.beta2 * double(in[3][i]) + (1.0 - h.beta2) * g * g + 1e-30);
            }
            break;
        }
    }
    return worst;
}

}  // namespace flopmeter
