#include "core/topology.hpp"

#include <hwloc.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "core/cpu_features.hpp"
#include "core/memory_info.hpp"

namespace flopmeter {
namespace {

struct Hwloc {
    hwloc_topology_t topo = nullptr;
    bool ok = false;
    Hwloc() {
        if (hwloc_topology_init(&topo) != 0) return;
        if (hwloc_topology_load(topo) != 0) {
            hwloc_topology_destroy(topo);
            topo = nullptr;
            return;
        }
        ok = true;
    }
    ~Hwloc() {
        if (topo) hwloc_topology_destroy(topo);
    }
};

Hwloc& hw() {
    static Hwloc h;
    return h;
}

std::string fnv1a_hex(const std::string& s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string human_bytes(std::int64_t b) {
    char buf[32];
    if (b >= (1 << 20) && b % (1 << 20) == 0)
        std::snprintf(buf, sizeof buf, "%lldMiB", static_cast<long long>(b >> 20));
    else
        std::snprintf(buf, sizeof buf, "%lldKiB", static_cast<long long>(b >> 10));
    return buf;
}

Topology load() {
    Topology t;
    t.cpu_model = cpu_features().brand;
    Hwloc& h = hw();
    if (!h.ok) {
        t.summary = "hwloc unavailable";
        t.digest = fnv1a_hex(t.summary);
        return t;
    }
    hwloc_topology_t topo = h.topo;
    t.packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    t.cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    t.pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    t.numa_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    if (t.cores <= 0) t.cores = t.pus;
    for (int i = 0; i < t.numa_nodes; ++i) {
        hwloc_obj_t n = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, unsigned(i));
        if (n && n->attr) t.memory_bytes += std::int64_t(n->attr->numanode.local_memory);
    }
    // hwloc reports only the memory the kernel placed in NUMA nodes at boot; hot-added
    // memory on a VM can be missing there, so take the larger of it and MemTotal.
    t.memory_bytes = std::max(t.memory_bytes, total_memory_bytes());
    if (hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0)) {
        if (const char* model = hwloc_obj_get_info_by_name(pkg, "CPUModel"))
            if (*model) t.cpu_model = model;
    }
    const hwloc_obj_type_t cache_types[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
                                            HWLOC_OBJ_L4CACHE};
    for (int lvl = 0; lvl < 4; ++lvl) {
        const int n = hwloc_get_nbobjs_by_type(topo, cache_types[lvl]);
        if (n <= 0) continue;
        hwloc_obj_t c = hwloc_get_obj_by_type(topo, cache_types[lvl], 0);
        if (!c || !c->attr) continue;
        if (c->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION) continue;
        CacheLevel cl;
        cl.level = lvl + 1;
        cl.type = c->attr->cache.type == HWLOC_OBJ_CACHE_UNIFIED ? "unified" : "data";
        cl.size = std::int64_t(c->attr->cache.size);
        cl.line = int(c->attr->cache.linesize);
        cl.instances = n;
        cl.cores_sharing = hwloc_get_nbobjs_inside_cpuset_by_type(topo, c->cpuset, HWLOC_OBJ_CORE);
        if (cl.cores_sharing <= 0) cl.cores_sharing = 1;
        t.caches.push_back(cl);
    }
    std::string s = "packages=" + std::to_string(t.packages) + " cores=" + std::to_string(t.cores) +
                    " pus=" + std::to_string(t.pus) + " numa=" + std::to_string(t.numa_nodes);
    for (const auto& c : t.caches)
        s += " L" + std::to_string(c.level) + "=" + human_bytes(c.size) + "x" +
             std::to_string(c.instances);
    t.summary = s;
    t.digest = fnv1a_hex(t.cpu_model + "|" + s);
    return t;
}

}  // namespace

std::int64_t Topology::cache_size(int level) const {
    for (const auto& c : caches)
        if (c.level == level) return c.size;
    return 0;
}

std::int64_t Topology::last_level_cache_total() const {
    if (caches.empty()) return 0;
    const auto& c = caches.back();
    return c.size * c.instances;
}

const Topology& topology() {
    static const Topology t = load();
    return t;
}

bool bind_current_thread_to_core(int core) {
    Hwloc& h = hw();
    if (!h.ok || core < 0) return false;
    hwloc_obj_t obj = hwloc_get_obj_by_type(h.topo, HWLOC_OBJ_CORE, unsigned(core));
    if (!obj) return false;
    hwloc_bitmap_t set = hwloc_bitmap_dup(obj->cpuset);
    hwloc_bitmap_singlify(set);  // one PU of the core, so the thread cannot migrate within it
    const int rc = hwloc_set_cpubind(h.topo, set, HWLOC_CPUBIND_THREAD);
    hwloc_bitmap_free(set);
    return rc == 0;
}

ScopedCoreBinding::ScopedCoreBinding(int core) {
    Hwloc& h = hw();
    if (!h.ok) return;
    hwloc_bitmap_t saved = hwloc_bitmap_alloc();
    if (hwloc_get_cpubind(h.topo, saved, HWLOC_CPUBIND_THREAD) != 0) {
        hwloc_bitmap_free(saved);
        return;
    }
    saved_ = saved;
    bound_ = bind_current_thread_to_core(core);
}

ScopedCoreBinding::~ScopedCoreBinding() {
    if (!saved_) return;
    auto saved = static_cast<hwloc_bitmap_t>(saved_);
    if (bound_) hwloc_set_cpubind(hw().topo, saved, HWLOC_CPUBIND_THREAD);
    hwloc_bitmap_free(saved);
}

}  // namespace flopmeter
