// Device memory with an owner: cudaMalloc in the constructor (out of memory -> one clear
// UnavailableError naming what was being allocated), cudaFree in the destructor.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

namespace flopmeter {

class DeviceBuffer {
  public:
    DeviceBuffer() = default;
    DeviceBuffer(std::size_t bytes, const std::string& what);
    ~DeviceBuffer();
    DeviceBuffer(DeviceBuffer&& o) noexcept
        : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* data() const { return p_; }
    template <class T>
    T* as() const {
        return static_cast<T*>(p_);
    }
    std::size_t size() const { return n_; }

  private:
    void* p_ = nullptr;
    std::size_t n_ = 0;
};

}  // namespace flopmeter
