#include "comm/comm_summary.hpp"

#include "comm/collective_spec.hpp"
#include "core/text_table.hpp"

namespace flopmeter::comm {

std::string series_label(const Series& s) {
    return collective_name(s.collective) + " " + (s.in_place ? "in-place" : "out-of-place") + ", " +
           std::to_string(s.ranks) + " ranks " + s.tier +
           (s.nodes > 1 ? " (" + std::to_string(s.nodes) + " nodes)" : "") + " (" + s.backend + ")";
}

std::string series_progress(const Series& s) {
    std::string line = series_label(s) + ": " + std::to_string(s.points.size()) + " sizes";
    if (!s.points.empty())
        line += ", busbw " + fmt_fixed(s.points.back().busbw / 1e9, 3) + " GB/s at " +
                bytes_text(double(s.points.back().bytes));
    return line + ", alpha-beta R^2 " + fmt_fixed(s.fit.r2, 4);
}

void print_series(const Series& s, std::ostream& os) {
    os << series_label(s) << "\n";
    Table t({"size", "iters", "time p50", "time p99", "algbw GB/s", "busbw GB/s", "data"});
    for (const auto& p : s.points)
        t.add_row({bytes_text(double(p.bytes)), std::to_string(p.iterations), fmt_time(p.time_s),
                   fmt_time(p.p99_s), fmt_fixed(p.algbw / 1e9, 3), fmt_fixed(p.busbw / 1e9, 3),
                   p.checked ? "correct" : "unchecked"});
    t.print(os);
    os << "\n";
}

void print_fits(const std::vector<Series>& series, std::ostream& os) {
    os << "Alpha-beta fits, t = alpha + beta x size (least squares weighted 1/t; R^2 of the line "
          "over the "
          "measured medians)\n";
    Table t({"collective", "variant", "ranks", "tier", "alpha", "1/beta GB/s", "busbw GB/s", "R^2",
             "rms error"});
    for (const auto& s : series) {
        const double inv = s.fit.beta_s_per_byte > 0 ? 1.0 / s.fit.beta_s_per_byte : 0.0;
        t.add_row({collective_name(s.collective), s.in_place ? "in-place" : "out-of-place",
                   std::to_string(s.ranks), s.tier, fmt_time(s.fit.alpha_s),
                   fmt_fixed(inv / 1e9, 3),
                   fmt_fixed(inv * bus_factor(s.collective, s.ranks) / 1e9, 3),
                   fmt_fixed(s.fit.r2, 4), fmt_fixed(100 * s.fit.rms_rel_error, 1) + "%"});
    }
    t.print(os);
}

}  // namespace flopmeter::comm
