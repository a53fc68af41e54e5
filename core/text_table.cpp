#include "core/text_table.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace flopmeter {

namespace {
bool numeric(const std::string& s) {
    if (s.empty()) return false;
    const char c = s[0];
    return std::isdigit(static_cast<unsigned char>(c)) ||
           ((c == '-' || c == '+' || c == '.') && s.size() > 1);
}
}  // namespace

void Table::print(std::ostream& os) const {
    std::vector<std::size_t> w(headers_.size(), 0);
    for (std::size_t i = 0; i < headers_.size(); ++i) w[i] = headers_[i].size();
    for (const auto& r : rows_)
        for (std::size_t i = 0; i < r.size() && i < w.size(); ++i)
            w[i] = std::max(w[i], r[i].size());
    auto line = [&](const std::vector<std::string>& cells, bool header) {
        std::string s;
        for (std::size_t i = 0; i < w.size(); ++i) {
            const std::string c = i < cells.size() ? cells[i] : "";
            const std::string pad(w[i] - c.size(), ' ');
            const bool right = !header && numeric(c);
            s += (i ? "  " : "") + (right ? pad + c : c + (i + 1 < w.size() ? pad : ""));
        }
        while (!s.empty() && s.back() == ' ') s.pop_back();
        os << s << '\n';
    };
    line(headers_, true);
    std::string rule;
    for (std::size_t i = 0; i < w.size(); ++i) rule += (i ? "  " : "") + std::string(w[i], '-');
    os << rule << '\n';
    for (const auto& r : rows_) line(r, false);
}

void Table::print_markdown(std::ostream& os) const {
    auto line = [&](const std::vector<std::string>& cells) {
        os << '|';
        for (std::size_t i = 0; i < headers_.size(); ++i)
            os << ' ' << (i < cells.size() ? cells[i] : "") << " |";
        os << '\n';
    };
    line(headers_);
    os << '|';
    for (std::size_t i = 0; i < headers_.size(); ++i) os << "---|";
    os << '\n';
    for (const auto& r : rows_) line(r);
}

std::string fmt_fixed(double x, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
    return buf;
}

std::string fmt_sig(double x, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, x);
    return buf;
}

std::string fmt_pct(double fraction) {
    return fmt_fixed(100.0 * fraction, 1) + "%";
}

std::string fmt_signed_pct(double fraction) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%+.1f%%", 100.0 * fraction);
    return buf;
}

std::string fmt_change(double ratio) {
    return fmt_signed_pct(ratio - 1.0);
}

std::string fmt_bytes(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024.0 && u < 4) {
        b /= 1024.0;
        ++u;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", b, units[u]);
    return buf;
}

std::string fmt_time(double s) {
    char buf[64];
    if (s >= 1.0)
        std::snprintf(buf, sizeof buf, "%.3f s", s);
    else if (s >= 1e-3)
        std::snprintf(buf, sizeof buf, "%.3f ms", s * 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.2f us", s * 1e6);
    return buf;
}

}  // namespace flopmeter
