#include "kernels/quant/quant_reference.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

namespace flopmeter {

QuantReference quant_gemm_reference(const QuantMatrix& w, const float* x, QuantActivation act,
                                    const std::vector<std::int64_t>& rows) {
    QuantReference r;
    r.rows = rows;
    const std::int64_t n = w.n, k = w.k, nr = std::int64_t(rows.size());
    std::vector<double> xd(std::size_t(nr * k));
    for (std::int64_t i = 0; i < nr; ++i) {
        const float* xr = x + rows[std::size_t(i)] * k;
        if (act == QuantActivation::fp32) {
            for (std::int64_t c = 0; c < k; ++c) xd[std::size_t(i * k + c)] = xr[c];
        } else {
            QuantActs qa;
            qa.reset(1, k, w.format.group);
            quantize_acts_generic(xr, k, qa, w.format.bits, 0, 1);
            for (std::int64_t c = 0; c < k; ++c)
                xd[std::size_t(i * k + c)] =
                    double(qa.q.as<std::int8_t>()[c]) * double(qa.scale.as<float>()[c / qa.group]);
        }
    }
    r.y.assign(std::size_t(nr * n), 0.0);
    r.mag.assign(std::size_t(nr * n), 0.0);
    // Output columns are independent: the CPU's cores share them (the oracle is not timed).
    auto columns = [&](std::int64_t j0, std::int64_t j1) {
        std::vector<double> wd(static_cast<std::size_t>(k));
        for (std::int64_t j = j0; j < j1; ++j) {
            dequant_row(w, j, wd.data());
            for (std::int64_t i = 0; i < nr; ++i) {
                double s = 0, m = 0;
                const double* xr = xd.data() + i * k;
                for (std::int64_t c = 0; c < k; ++c) {
                    const double p = xr[c] * wd[std::size_t(c)];
                    s += p;
                    m += std::fabs(p);
                }
                r.y[std::size_t(i * n + j)] = s;
                r.mag[std::size_t(i * n + j)] = m;
            }
        }
    };
    const std::int64_t parts =
        double(n) * double(k) < 1e6
            ? 1
            : std::min<std::int64_t>(n, std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> team;
    for (std::int64_t t = 1; t < parts; ++t)
        team.emplace_back(columns, t * n / parts, (t + 1) * n / parts);
    columns(0, n / parts);
    for (auto& t : team) t.join();
    return r;
}

double quant_max_error_ratio(const QuantReference& ref, const float* y, std::int64_t n,
                             std::int64_t k) {
    const double tol = double(k) * std::ldexp(1.0, -22);
    double worst = 0;
    for (std::size_t i = 0; i < ref.rows.size(); ++i)
        for (std::int64_t j = 0; j < n; ++j) {
            const std::size_t idx = i * std::size_t(n) + std::size_t(j);
            const double got = y[ref.rows[i] * n + j];
            const double bound = tol * ref.mag[idx] + 1e-30;
            const double ratio = std::isfinite(got) ? std::fabs(got - ref.y[idx]) / bound : 1e300;
            worst = std::max(worst, ratio);
        }
    return worst;
}

}  // namespace flopmeter
