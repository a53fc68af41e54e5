// A plain text table with aligned columns: numbers right-aligned, text left-aligned.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace flopmeter {

class Table {
  public:
    explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
    void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
    void print(std::ostream& os) const;
    void print_markdown(std::ostream& os) const;
    bool empty() const { return rows_.empty(); }

  private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

// Number formatting shared by printers.
std::string fmt_fixed(double x, int decimals);
std::string fmt_sig(double x, int digits = 4);  // %.{digits}g
std::string fmt_bytes(double bytes);            // 1.50 GiB, 512 KiB
std::string fmt_time(double seconds);           // 1.234 ms, 56.7 us
std::string fmt_pct(double fraction);           // 0.123 -> "12.3%"
std::string fmt_signed_pct(double fraction);    // 0.034 -> "+3.4%", -0.1 -> "-10.0%"
std::string fmt_change(double ratio);           // new/old 1.034 -> "+3.4%"

}  // namespace flopmeter
