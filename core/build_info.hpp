// Facts about this build, generated at build time (cmake/build_info.cmake).
#pragma once

namespace flopmeter {

const char* build_git_sha();   // "<sha>[-dirty]" or "unknown"
const char* build_compiler();  // "GNU 12.2.0"
const char* build_flags();     // CMAKE_CXX_FLAGS for the build type
const char* build_type();      // "Release"
bool build_sanitized();

}  // namespace flopmeter
