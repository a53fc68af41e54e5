// A time on the command line: seconds as a plain number (as every other time option takes
// them) or with a unit, "10us", "0.5 ms", "2e-5s", "800ns". Used by estimate --op-overhead.
#pragma once

#include <string>

namespace flopmeter {

// Throws UsageError naming `opt` for an empty, negative, non-finite or unit-less-but-garbled
// value, or an unknown unit (valid: s, ms, us, ns).
double parse_time_value(const std::string& v, const char* opt);

}  // namespace flopmeter
