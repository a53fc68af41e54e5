#include "core/memory_info.hpp"

#include <fstream>
#include <string>

namespace flopmeter {

namespace {
std::int64_t read_int(const char* path) {
    std::ifstream f(path);
    std::string s;
    if (!(f >> s) || s == "max") return 0;
    try {
        return std::stoll(s);
    } catch (...) {
        return 0;
    }
}

std::int64_t meminfo_bytes(const std::string& field) {
    std::ifstream f("/proc/meminfo");
    std::string key, unit;
    std::int64_t value = 0;
    while (f >> key >> value) {
        std::getline(f, unit);
        if (key == field) return value * 1024;
    }
    return 0;
}
}  // namespace

std::int64_t total_memory_bytes() {
    return meminfo_bytes("MemTotal:");
}

std::int64_t available_memory_bytes() {
    std::int64_t avail = meminfo_bytes("MemAvailable:");
    const std::int64_t limit = read_int("/sys/fs/cgroup/memory.max");
    const std::int64_t used = read_int("/sys/fs/cgroup/memory.current");
    if (limit > 0 && limit - used < avail) avail = limit - used;
    return avail;
}

}  // namespace flopmeter
