// Memory the process may still use, for refusing shapes that cannot fit before allocating.
#pragma once

#include <cstdint>

namespace flopmeter {

// MemAvailable from /proc/meminfo, capped by a cgroup limit when one is set; 0 when unknown.
std::int64_t available_memory_bytes();

// MemTotal from /proc/meminfo; 0 when unknown.
std::int64_t total_memory_bytes();

}  // namespace flopmeter
