#include "costmodel/whatif.hpp"

#include <cmath>

#include "core/error.hpp"

namespace flopmeter::cost {

std::vector<WhatIfRow> project_cost(const WhatIfInputs& in, double flops, double device_hours,
                                    double dollars, double energy_kwh) {
    if (in.years < 0) throw UsageError("--years must not be negative");
    if (in.years > 100) throw UsageError("--years must be at most 100");
    if (!(in.hardware_per_year > 0) || !std::isfinite(in.hardware_per_year))
        throw UsageError("--hw-improvement must be a positive factor per year (1.0 = no change)");
    if (!(in.algorithm_per_year > 0) || !std::isfinite(in.algorithm_per_year))
        throw UsageError("--algo-improvement must be a positive factor per year (1.0 = no change)");
    std::vector<WhatIfRow> rows;
    for (int y = 0; y <= in.years; ++y) {
        WhatIfRow r;
        r.year = y;
        r.hardware_factor = std::pow(in.hardware_per_year, y);
        r.algorithm_factor = std::pow(in.algorithm_per_year, y);
        r.flops = flops / r.algorithm_factor;
        r.device_hours = device_hours / r.algorithm_factor;
        r.energy_kwh = energy_kwh / r.algorithm_factor;
        r.dollars = dollars / (r.algorithm_factor * r.hardware_factor);
        rows.push_back(r);
    }
    return rows;
}

}  // namespace flopmeter::cost
