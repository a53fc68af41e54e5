#include "track/fdr.hpp"

#include <algorithm>
#include <numeric>

namespace flopmeter {

// Benjamini & Hochberg (1995), J. R. Statist. Soc. B 57(1):289-300: with p sorted ascending,
// q_(i) = min over j >= i of (m / j) p_(j), capped at 1 (the step-up procedure as adjusted
// p-values, the form R's p.adjust(method = "BH") reports).
std::vector<double> benjamini_hochberg(const std::vector<double>& p) {
    const std::size_t m = p.size();
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
    std::vector<double> q(m, 1.0);
    double running = 1.0;
    for (std::size_t r = m; r-- > 0;) {
        const std::size_t i = order[r];
        running = std::min(running, p[i] * double(m) / double(r + 1));
        q[i] = std::min(1.0, running);
    }
    return q;
}

}  // namespace flopmeter
