// Writes a file so that readers see either the old content or the complete new one: write to
// a temporary file in the same directory, fsync, rename over the target.
#pragma once

#include <string>

namespace flopmeter {

// Throws UsageError naming the path when the directory is missing or not writable.
void write_file_atomic(const std::string& path, const std::string& content);

// Throws UsageError unless a file could be created at `path` (its directory exists and is
// writable): checked before a long run, so results are not lost at the end.
void check_writable_path(const std::string& path);

// Reads a whole file; throws UsageError naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace flopmeter
