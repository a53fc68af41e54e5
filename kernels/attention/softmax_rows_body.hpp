// The unfused kernel's separate softmax passes over materialised score rows, templated on the
// vector traits (softmax_rows_<isa>.cpp), vectorised with the same polynomial exp2 as the
// fused kernels so the comparison is between algorithms, not exp implementations.
//   forward:  per row, over the visible keys: m = max s, e = exp(s - m), l = sum e,
//             P = e / l (masked keys 0), LSE = m + ln l; P in place (fp32) or as bf16.
//   backward: the eager softmax backward, dS = P (dP - sum_j P dP) scale, in place or as bf16.
// Row r of the batch of rows is query r % Sq of its (batch, head).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/attention/attn_exp2.hpp"
#include "kernels/attention/attn_kernels.hpp"

namespace flopmeter::attn {

template <class Vec>
struct SoftmaxRows {
    using V = typename Vec::V;
    static constexpr int L = Vec::lanes;
    static constexpr float kNegInf = -std::numeric_limits<float>::infinity();

    static int visible(const SoftmaxArgs& a, std::int64_t row) {
        return int(flops::attention_visible_keys(row % a.seq_q, a.seq_q, a.seq_k, a.causal));
    }

    static void store_bf16(bf16* dst, const float* src, std::int64_t n) {
        for (std::int64_t j = 0; j < n; ++j) dst[j] = bf16(src[j]);
    }

    static void forward(const SoftmaxArgs& a, std::int64_t row0, std::int64_t rows) {
        const std::int64_t n_all = a.seq_k;
        for (std::int64_t row = row0; row < row0 + rows; ++row) {
            float* s = a.s + row * n_all;
            const int n = visible(a, row), nfull = n / L * L;
            if (n == 0) {
                for (std::int64_t j = 0; j < n_all; ++j) s[j] = 0.0f;
                if (a.p16)
                    for (std::int64_t j = 0; j < n_all; ++j) a.p16[row * n_all + j] = bf16(0.0f);
                a.lse[row] = kNegInf;
                continue;
            }
            V mx = Vec::set1(kNegInf);
            for (int j = 0; j < nfull; j += L) mx = Vec::max(mx, Vec::loadu(s + j));
            float m = Vec::hmax(mx);
            for (int j = nfull; j < n; ++j) m = std::max(m, s[j]);
            const V mv = Vec::set1(m * kLog2e), l2 = Vec::set1(kLog2e);
            V sum = Vec::zero();
            for (int j = 0; j < nfull; j += L) {
                const V e = Vec::exp2(Vec::sub(Vec::mul(Vec::loadu(s + j), l2), mv));
                Vec::storeu(s + j, e);
                sum = Vec::add(sum, e);
            }
            float l = Vec::hsum(sum);
            for (int j = nfull; j < n; ++j) {
                s[j] = exp2_poly(s[j] * kLog2e - m * kLog2e);
                l += s[j];
            }
            const float inv = 1.0f / l;
            const V iv = Vec::set1(inv);
            for (int j = 0; j < nfull; j += L) Vec::storeu(s + j, Vec::mul(Vec::loadu(s + j), iv));
            for (int j = nfull; j < n; ++j) s[j] *= inv;
            for (std::int64_t j = n; j < n_all; ++j) s[j] = 0.0f;
            if (a.p16) store_bf16(a.p16 + row * n_all, s, n_all);
            a.lse[row] = m + std::log(l);
        }
    }

    static void backward(const SoftmaxArgs& a, std::int64_t row0, std::int64_t rows) {
        const std::int64_t n_all = a.seq_k;
        const V sc = Vec::set1(a.scale);
        alignas(64) float pbuf[L];
        for (std::int64_t row = row0; row < row0 + rows; ++row) {
            float* dp = a.s + row * n_all;
            const int n = visible(a, row), nfull = n / L * L;
            auto p_at = [&](std::int64_t j) -> V {
                if (a.p) return Vec::loadu(a.p + row * n_all + j);
                for (int x = 0; x < L; ++x) pbuf[x] = float(a.p_in16[row * n_all + j + x]);
                return Vec::loadu(pbuf);
            };
            auto p_one = [&](std::int64_t j) {
                return a.p ? a.p[row * n_all + j] : float(a.p_in16[row * n_all + j]);
            };
            V acc = Vec::zero();
            for (int j = 0; j < nfull; j += L) acc = Vec::fmadd(p_at(j), Vec::loadu(dp + j), acc);
            float delta = Vec::hsum(acc);
            for (int j = nfull; j < n; ++j) delta += p_one(j) * dp[j];
            const V dv = Vec::set1(delta);
            for (int j = 0; j < nfull; j += L)
                Vec::storeu(dp + j,
                            Vec::mul(Vec::mul(p_at(j), Vec::sub(Vec::loadu(dp + j), dv)), sc));
            for (int j = nfull; j < n; ++j) dp[j] = p_one(j) * (dp[j] - delta) * a.scale;
            for (std::int64_t j = n; j < n_all; ++j) dp[j] = 0.0f;
            if (a.p16) store_bf16(a.p16 + row * n_all, dp, n_all);
        }
    }
};

}  // namespace flopmeter::attn
