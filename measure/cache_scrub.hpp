// Evicts the caches between samples in cold mode: writes then reads a buffer twice the size of
// all last-level cache in the machine (hwloc), so whatever a kernel touched before is gone.
#pragma once

#include <cstdint>

#include "core/aligned_buffer.hpp"

namespace flopmeter {

class CacheScrubber {
  public:
    CacheScrubber();  // sizes the buffer from hwloc (at least 16 MiB when caches are unknown)
    void scrub();
    std::int64_t bytes() const { return std::int64_t(buf_.size()); }

  private:
    AlignedBuffer buf_;
    std::uint64_t round_ = 0;
    volatile std::uint64_t sink_ = 0;
};

// Bytes that a cold case's rotated operand sets must cover so no set is still cached when it
// comes round again: twice the last-level cache, as for the scrub buffer.
std::int64_t cold_rotation_bytes();

}  // namespace flopmeter
