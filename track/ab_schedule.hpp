// The randomized interleaved schedule of an A/B comparison (Abedi & Brecht, "Conducting
// Repeatable Experiments in Highly Variable Cloud Computing Environments", ICPE 2017: randomized
// multiple interleaved trials). Every round visits every unit once, in a fresh random order; in
// each visit both sides run back to back, and which side goes first is balanced per unit over
// the rounds (each first in half of them, in random rounds), so a slow phase of the host or a
// warm-cache advantage of going second lands on both sides alike. In duet mode both sides run
// at once on two cores; which side gets which core is balanced the same way.
#pragma once

#include <cstdint>
#include <vector>

namespace flopmeter {

struct AbStep {
    int round = 0;
    int unit = 0;  // a case (Google Benchmark sides) or the whole suite (flopmeter sides)
    bool baseline_first = true;          // sequential mode: which side runs first
    bool baseline_on_first_core = true;  // duet mode: which side gets the first of the two cores
};

// rounds x units steps, round by round. Deterministic for a seed.
std::vector<AbStep> make_ab_schedule(int rounds, int units, std::uint64_t seed);

}  // namespace flopmeter
