// The machine's structure from hwloc: cores, caches, NUMA nodes, and thread binding.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flopmeter {

struct CacheLevel {
    int level = 0;          // 1, 2, 3
    std::string type;       // "data", "unified", "instruction"
    std::int64_t size = 0;  // bytes per instance
    int line = 0;           // bytes
    int instances = 0;      // how many of them in the machine
    int cores_sharing = 0;  // cores under one instance
};

struct Topology {
    std::string cpu_model;  // from hwloc's CPUModel info (falls back to cpuid brand)
    int packages = 0, cores = 0, pus = 0, numa_nodes = 0;
    std::int64_t memory_bytes = 0;
    std::vector<CacheLevel> caches;  // data and unified caches, L1 first
    std::string summary;             // one line, stable fields only
    std::string digest;              // FNV-1a of summary, hex

    // Size of the largest data/unified cache level (bytes per instance), 0 when unknown.
    std::int64_t cache_size(int level) const;
    std::int64_t last_level_cache_total() const;  // sum over instances of the last level
};

const Topology& topology();

// Bind the calling thread to one core (logical index 0..cores-1). False when binding is not
// possible (index out of range, or the OS refused); the thread then runs unbound.
bool bind_current_thread_to_core(int core);

// Binds the calling thread to a core for its lifetime and restores the previous binding.
class ScopedCoreBinding {
  public:
    explicit ScopedCoreBinding(int core);
    ~ScopedCoreBinding();
    ScopedCoreBinding(const ScopedCoreBinding&) = delete;
    ScopedCoreBinding& operator=(const ScopedCoreBinding&) = delete;
    bool bound() const { return bound_; }

  private:
    void* saved_ = nullptr;  // hwloc_bitmap_t
    bool bound_ = false;
};

}  // namespace flopmeter
