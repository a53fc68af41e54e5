#include "measure/cache_scrub.hpp"

#include <algorithm>

#include "core/topology.hpp"

namespace flopmeter {

std::int64_t cold_rotation_bytes() {
    std::int64_t total = 0;
    for (const auto& c : topology().caches) total = std::max(total, c.size * c.instances);
    return std::max<std::int64_t>(2 * total, 16ll << 20);
}

CacheScrubber::CacheScrubber() : buf_(std::size_t(cold_rotation_bytes())) {}

void CacheScrubber::scrub() {
    auto* p = buf_.as<std::uint64_t>();
    const std::size_t n = buf_.size() / sizeof(std::uint64_t);
    const std::uint64_t v = ++round_;
    for (std::size_t i = 0; i < n; i += 8) p[i] = v + i;  // one write per 64-byte line
    std::uint64_t s = 0;
    for (std::size_t i = 0; i < n; i += 8) s += p[i];
    sink_ = s;
}

}  // namespace flopmeter
