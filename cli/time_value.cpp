#include "cli/time_value.hpp"

#include <cmath>
#include <cstdlib>

#include "core/error.hpp"

namespace flopmeter {

double parse_time_value(const std::string& v, const char* opt) {
    const auto bad = [&](const std::string& why) {
        return UsageError(std::string(opt) +
                          " must be a time >= 0 in s, ms, us or ns (e.g. 10us); got '" + v + "'" +
                          (why.empty() ? "" : ": " + why));
    };
    const char* begin = v.c_str();
    char* end = nullptr;
    const double x = std::strtod(begin, &end);
    if (end == begin) throw bad("");
    std::string unit(end);
    while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
    double scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1;
    else if (unit == "ms")
        scale = 1e-3;
    else if (unit == "us")
        scale = 1e-6;
    else if (unit == "ns")
        scale = 1e-9;
    else
        throw bad("unknown unit '" + unit + "'");
    if (!std::isfinite(x)) throw bad("not finite");
    if (x < 0) throw bad("negative");
    return x * scale;
}

}  // namespace flopmeter
