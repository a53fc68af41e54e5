// NVML, loaded at run time with dlopen("libnvidia-ml.so.1") so flopmeter starts on machines
// without the NVIDIA driver (and CI). Reads the device's SM clock, clock-event ("throttle")
// reasons, power, the energy counter and limits. When the library or a function is missing,
// available() is false (or the reading fails) and reason() says why; nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flopmeter {

struct NvmlReading {
    unsigned sm_mhz = 0, mem_mhz = 0;
    std::uint64_t reasons = 0;  // clock-event reason bits (see decode_clock_reasons)
    bool ok = false;
};

class Nvml {
  public:
    // The process's NVML: FLOPMETER_NVML_LIBRARY if set, else libnvidia-ml.so.1. Bound to the
    // CUDA device in use by UUID (or PCI bus id) on first use of a device function.
    static Nvml& instance();

    // Loads `library` and initialises NVML; never throws.
    explicit Nvml(const std::string& library);
    ~Nvml();
    Nvml(const Nvml&) = delete;
    Nvml& operator=(const Nvml&) = delete;

    bool available() const { return handle_ != nullptr && initialised_; }
    const std::string& reason() const { return reason_; }

    // Binds to the device with this UUID ("GPU-...") or PCI bus id; false (reason set) if none.
    bool bind_device(const std::string& uuid, const std::string& pci_bus_id);
    bool bound() const { return device_ != nullptr; }

    NvmlReading read_clocks() const;              // SM/memory clock and reasons, one call each
    std::optional<double> power_w() const;        // instantaneous board power
    std::optional<double> energy_j() const;       // total energy counter since driver load
    std::optional<double> power_limit_w() const;  // enforced limit
    std::optional<unsigned> max_sm_mhz() const;
    std::optional<unsigned> max_mem_mhz() const;
    std::optional<unsigned> temperature_c() const;
    std::string driver_version() const;  // "" when unknown

  private:
    void* handle_ = nullptr;
    void* device_ = nullptr;
    bool initialised_ = false;
    std::string reason_;
    struct Fns;
    Fns* fns_ = nullptr;
};

// Clock-event reason bits as NVML defines them.
inline constexpr std::uint64_t kNvmlReasonGpuIdle = 0x1, kNvmlReasonAppClocks = 0x2,
                               kNvmlReasonSwPowerCap = 0x4, kNvmlReasonHwSlowdown = 0x8,
                               kNvmlReasonSyncBoost = 0x10, kNvmlReasonSwThermal = 0x20,
                               kNvmlReasonHwThermal = 0x40, kNvmlReasonHwPowerBrake = 0x80,
                               kNvmlReasonDisplayClocks = 0x100;

// Names of the set bits ("sw_power_cap", "hw_thermal", ...; unknown bits as "0x..").
std::vector<std::string> decode_clock_reasons(std::uint64_t mask);
// The reasons that mean the GPU ran slower than it could (power or thermal capping, hardware
// slowdown), as opposed to idling or application clock settings.
constexpr std::uint64_t kNvmlSlowdownMask = kNvmlReasonSwPowerCap | kNvmlReasonHwSlowdown |
                                            kNvmlReasonSwThermal | kNvmlReasonHwThermal |
                                            kNvmlReasonHwPowerBrake;

}  // namespace flopmeter
