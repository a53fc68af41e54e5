// Benjamini-Hochberg control of the false discovery rate across a suite of tests.
#pragma once

#include <vector>

namespace flopmeter {

// Adjusted p-values (q-values in the BH sense), in the input order: rejecting every test with
// q <= alpha keeps the expected share of false discoveries at most alpha.
std::vector<double> benjamini_hochberg(const std::vector<double>& p);

}  // namespace flopmeter
