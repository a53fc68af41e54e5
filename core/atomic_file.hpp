// Output files. A regular file is written so that readers see either the old content or the
// complete new one (a temporary file in the same directory, fsync, rename over the target). A
// symlink is followed and its target written; a FIFO or device is written in place, never
// replaced by a regular file; a directory is refused.
#pragma once

#include <string>

namespace flopmeter {

// The path a write to `path` lands on: symlinks followed (a dangling one to the file it names).
std::string resolve_output_target(const std::string& path);

// Throws UsageError naming the path when the directory is missing or not writable, or the
// path is a directory, or the device cannot be written.
void write_file_atomic(const std::string& path, const std::string& content);

// Throws UsageError unless a file could be created at `path` (its directory exists and is
// writable, or it is a writable FIFO/device): checked before a long run, so results are not
// lost at the end.
void check_writable_path(const std::string& path);

// Reads a whole file; throws UsageError naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace flopmeter
