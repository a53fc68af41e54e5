// Owning, 64-byte aligned, uninitialised storage. Allocation failure is reported as a
// UsageError naming the size, never as a crash.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace flopmeter {

class AlignedBuffer {
  public:
    AlignedBuffer() = default;
    explicit AlignedBuffer(std::size_t bytes, std::size_t align = 64) { reset(bytes, align); }
    ~AlignedBuffer() { std::free(p_); }
    AlignedBuffer(AlignedBuffer&& o) noexcept
        : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
    AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
        std::swap(p_, o.p_);
        std::swap(n_, o.n_);
        return *this;
    }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;

    void reset(std::size_t bytes, std::size_t align = 64) {
        std::free(p_);
        p_ = nullptr;
        n_ = 0;
        if (bytes == 0) return;
        // Large buffers go on 2 MiB boundaries with a transparent-huge-page hint: fewer TLB
        // misses for operands and packing buffers, whichever backend reads them.
        const bool huge = bytes >= kHugeThreshold;
        if (huge && align < kHugePage) align = kHugePage;
        const std::size_t rounded = (bytes + align - 1) / align * align;
        p_ = std::aligned_alloc(align, rounded);
        if (p_ && huge) madvise(p_, rounded, MADV_HUGEPAGE);
        if (!p_) {
            char buf[128];
            std::snprintf(buf, sizeof buf, "out of memory: could not allocate %.3f GiB",
                          double(bytes) / 1073741824.0);
            throw UsageError(buf);
        }
        n_ = bytes;
    }
    std::size_t size() const { return n_; }
    void* data() { return p_; }
    const void* data() const { return p_; }
    template <class T>
    T* as() {
        return static_cast<T*>(p_);
    }
    template <class T>
    const T* as() const {
        return static_cast<const T*>(p_);
    }

  private:
    static constexpr std::size_t kHugePage = std::size_t(2) << 20;
    static constexpr std::size_t kHugeThreshold = std::size_t(4) << 20;
    void* p_ = nullptr;
    std::size_t n_ = 0;
};

}  // namespace flopmeter
