#include "track/ab_schedule.hpp"

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.hpp"

namespace flopmeter {

namespace {

// rounds booleans, half of them true (the odd one out is a coin flip), in random order.
std::vector<bool> balanced(int rounds, std::mt19937_64& rng) {
    std::vector<bool> v(std::size_t(rounds), false);
    int trues = rounds / 2;
    if (rounds % 2 && (rng() & 1)) ++trues;
    std::fill(v.begin(), v.begin() + trues, true);
    std::shuffle(v.begin(), v.end(), rng);
    return v;
}

}  // namespace

std::vector<AbStep> make_ab_schedule(int rounds, int units, std::uint64_t seed) {
    if (rounds < 1 || units < 1)
        throw UsageError("an A/B schedule needs at least one round and one case");
    std::mt19937_64 rng(seed);
    std::vector<std::vector<bool>> first(static_cast<std::size_t>(units)),
        core(static_cast<std::size_t>(units));
    for (int u = 0; u < units; ++u) {
        first[std::size_t(u)] = balanced(rounds, rng);
        core[std::size_t(u)] = balanced(rounds, rng);
    }
    std::vector<AbStep> steps;
    steps.reserve(std::size_t(rounds) * std::size_t(units));
    std::vector<int> order(static_cast<std::size_t>(units));
    for (int r = 0; r < rounds; ++r) {
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        for (int u : order)
            steps.push_back({r, u, first[std::size_t(u)][std::size_t(r)],
                             core[std::size_t(u)][std::size_t(r)]});
    }
    return steps;
}

}  // namespace flopmeter
