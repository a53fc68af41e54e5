// "Will training always cost millions?": the same training's cost after N years, given yearly
// improvement factors in hardware price-performance (FLOP/s per dollar) and in algorithmic
// efficiency (compute needed for the same result). The user's numbers, with cited defaults.
#pragma once

#include <string>
#include <vector>

namespace flopmeter::cost {

struct WhatIfInputs {
    int years = 0;
    // Hobbhahn & Besiroglu 2022 ("Trends in GPU price-performance", Epoch AI): FLOP/s per dollar
    // doubles about every 2.5 years, i.e. 2^(1/2.5) = 1.32x per year.
    double hardware_per_year = 1.32;
    // Ho et al. 2024 ("Algorithmic progress in language models", Epoch AI): the compute needed
    // for a given performance halves about every 8 months (95% CI 5-14), i.e. 2^(12/8) = 2.83x per
    // year.
    double algorithm_per_year = 2.83;
};

struct WhatIfRow {
    int year = 0;
    double hardware_factor = 1, algorithm_factor = 1;
    double flops = 0;         // compute needed for the same result
    double device_hours = 0;  // on today's device
    double dollars = 0;       // on that year's hardware price-performance
    double energy_kwh = 0;    // on today's device (price-performance says nothing about watts)
};

// Throws UsageError for negative years or non-positive factors.
std::vector<WhatIfRow> project_cost(const WhatIfInputs& in, double flops, double device_hours,
                                    double dollars, double energy_kwh);

}  // namespace flopmeter::cost
