// One output convention for every command: an output option (--json, --markdown, --csv, ...)
// names a file, written through core/atomic_file (regular files atomically, FIFOs and devices in
// place, symlinks followed); "-" means standard output, and then the human-readable text moves
// to standard error so standard output stays machine-readable.
#pragma once

#include <initializer_list>
#include <ostream>
#include <string>

#include "cli/commands.hpp"

namespace flopmeter {

// Writes `text` to `path`, or to `out` when path is "-".
void write_output(const std::string& path, const std::string& text, std::ostream& out);

// Checks every non-empty path before any work starts (directory missing, not writable, a
// directory given as a file; at most one of them may be "-").
void check_output_paths(std::initializer_list<std::string> paths);

// Where human-readable text goes: io.err when any of `paths` is "-", else io.out.
std::ostream& text_stream(Io io, std::initializer_list<std::string> paths);

}  // namespace flopmeter
