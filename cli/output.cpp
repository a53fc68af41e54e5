#include "cli/output.hpp"

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace flopmeter {

void write_output(const std::string& path, const std::string& text, std::ostream& out) {
    if (path.empty()) return;
    if (path == "-") {
        out << text;
        out.flush();
        return;
    }
    write_file_atomic(path, text);
}

void check_output_paths(std::initializer_list<std::string> paths) {
    int to_stdout = 0;
    for (const auto& p : paths) {
        if (p.empty()) continue;
        if (p == "-")
            ++to_stdout;
        else
            check_writable_path(p);
    }
    if (to_stdout > 1) throw UsageError("only one output can go to standard output ('-')");
}

std::ostream& text_stream(Io io, std::initializer_list<std::string> paths) {
    for (const auto& p : paths)
        if (p == "-") return io.err;
    return io.out;
}

}  // namespace flopmeter
