#include "measure/cuda/nvml.hpp"

#include <dlfcn.h>

#include <cstdlib>

namespace flopmeter {

namespace {
// The NVML ABI pieces flopmeter uses (nvml.h is not needed at build time).
using nvmlReturn_t = int;
using nvmlDevice_t = void*;
constexpr nvmlReturn_t kNvmlSuccess = 0;
constexpr int kClockSm = 1, kClockMem = 2, kTempGpu = 0;
}  // namespace

struct Nvml::Fns {
    nvmlReturn_t (*init)() = nullptr;
    nvmlReturn_t (*shutdown)() = nullptr;
    const char* (*error_string)(nvmlReturn_t) = nullptr;
    nvmlReturn_t (*driver_version)(char*, unsigned) = nullptr;
    nvmlReturn_t (*by_uuid)(const char*, nvmlDevice_t*) = nullptr;
    nvmlReturn_t (*by_pci)(const char*, nvmlDevice_t*) = nullptr;
    nvmlReturn_t (*clock)(nvmlDevice_t, int, unsigned*) = nullptr;
    nvmlReturn_t (*max_clock)(nvmlDevice_t, int, unsigned*) = nullptr;
    nvmlReturn_t (*reasons)(nvmlDevice_t, unsigned long long*) = nullptr;
    nvmlReturn_t (*power)(nvmlDevice_t, unsigned*) = nullptr;
    nvmlReturn_t (*energy)(nvmlDevice_t, unsigned long long*) = nullptr;
    nvmlReturn_t (*power_limit)(nvmlDevice_t, unsigned*) = nullptr;
    nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned*) = nullptr;
};

namespace {
template <class F>
void bind(void* h, F& f, const char* name) {
    f = reinterpret_cast<F>(dlsym(h, name));
}
}  // namespace

Nvml& Nvml::instance() {
    static Nvml n([] {
        const char* e = std::getenv("FLOPMETER_NVML_LIBRARY");
        return std::string(e && *e ? e : "libnvidia-ml.so.1");
    }());
    return n;
}

Nvml::Nvml(const std::string& library) : fns_(new Fns) {
    handle_ = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
        const char* err = dlerror();
        reason_ = "NVML not available: cannot load " + library +
                  (err ? std::string(" (") + err + ")" : std::string());
        return;
    }
    Fns& f = *fns_;
    bind(handle_, f.init, "nvmlInit_v2");
    bind(handle_, f.shutdown, "nvmlShutdown");
    bind(handle_, f.error_string, "nvmlErrorString");
    bind(handle_, f.driver_version, "nvmlSystemGetDriverVersion");
    bind(handle_, f.by_uuid, "nvmlDeviceGetHandleByUUID");
    bind(handle_, f.by_pci, "nvmlDeviceGetHandleByPciBusId_v2");
    bind(handle_, f.clock, "nvmlDeviceGetClockInfo");
    bind(handle_, f.max_clock, "nvmlDeviceGetMaxClockInfo");
    bind(handle_, f.reasons, "nvmlDeviceGetCurrentClocksEventReasons");
    if (!f.reasons) bind(handle_, f.reasons, "nvmlDeviceGetCurrentClocksThrottleReasons");
    bind(handle_, f.power, "nvmlDeviceGetPowerUsage");
    bind(handle_, f.energy, "nvmlDeviceGetTotalEnergyConsumption");
    bind(handle_, f.power_limit, "nvmlDeviceGetEnforcedPowerLimit");
    bind(handle_, f.temperature, "nvmlDeviceGetTemperature");
    if (!f.init || !f.shutdown) {
        reason_ = "NVML not available: " + library + " lacks nvmlInit_v2";
        return;
    }
    const nvmlReturn_t r = f.init();
    if (r != kNvmlSuccess) {
        reason_ = "NVML not available: nvmlInit_v2 failed (" +
                  std::string(f.error_string ? f.error_string(r) : std::to_string(r).c_str()) + ")";
        return;
    }
    initialised_ = true;
}

Nvml::~Nvml() {
    if (initialised_ && fns_->shutdown) fns_->shutdown();
    // The library stays loaded: unloading it at exit races with other static destructors.
    delete fns_;
}

bool Nvml::bind_device(const std::string& uuid, const std::string& pci_bus_id) {
    if (!available()) return false;
    nvmlDevice_t d = nullptr;
    if (fns_->by_uuid && !uuid.empty() && fns_->by_uuid(uuid.c_str(), &d) == kNvmlSuccess) {
        device_ = d;
        return true;
    }
    if (fns_->by_pci && !pci_bus_id.empty() &&
        fns_->by_pci(pci_bus_id.c_str(), &d) == kNvmlSuccess) {
        device_ = d;
        return true;
    }
    reason_ = "NVML found no device with UUID " + uuid + " or PCI bus id " + pci_bus_id;
    return false;
}

NvmlReading Nvml::read_clocks() const {
    NvmlReading r;
    if (!device_ || !fns_->clock) return r;
    unsigned sm = 0, mem = 0;
    if (fns_->clock(device_, kClockSm, &sm) != kNvmlSuccess) return r;
    fns_->clock(device_, kClockMem, &mem);
    unsigned long long reasons = 0;
    if (fns_->reasons) fns_->reasons(device_, &reasons);
    r.sm_mhz = sm;
    r.mem_mhz = mem;
    r.reasons = reasons;
    r.ok = true;
    return r;
}

std::optional<double> Nvml::power_w() const {
    unsigned mw = 0;
    if (!device_ || !fns_->power || fns_->power(device_, &mw) != kNvmlSuccess) return std::nullopt;
    return mw / 1000.0;
}

std::optional<double> Nvml::energy_j() const {
    unsigned long long mj = 0;
    if (!device_ || !fns_->energy || fns_->energy(device_, &mj) != kNvmlSuccess)
        return std::nullopt;
    return double(mj) / 1000.0;
}

std::optional<double> Nvml::power_limit_w() const {
    unsigned mw = 0;
    if (!device_ || !fns_->power_limit || fns_->power_limit(device_, &mw) != kNvmlSuccess)
        return std::nullopt;
    return mw / 1000.0;
}

std::optional<unsigned> Nvml::max_sm_mhz() const {
    unsigned v = 0;
    if (!device_ || !fns_->max_clock || fns_->max_clock(device_, kClockSm, &v) != kNvmlSuccess)
        return std::nullopt;
    return v;
}

std::optional<unsigned> Nvml::max_mem_mhz() const {
    unsigned v = 0;
    if (!device_ || !fns_->max_clock || fns_->max_clock(device_, kClockMem, &v) != kNvmlSuccess)
        return std::nullopt;
    return v;
}

std::optional<unsigned> Nvml::temperature_c() const {
    unsigned v = 0;
    if (!device_ || !fns_->temperature || fns_->temperature(device_, kTempGpu, &v) != kNvmlSuccess)
        return std::nullopt;
    return v;
}

std::string Nvml::driver_version() const {
    if (!available() || !fns_->driver_version) return "";
    char buf[96] = {};
    if (fns_->driver_version(buf, sizeof buf) != kNvmlSuccess) return "";
    return buf;
}

}  // namespace flopmeter
