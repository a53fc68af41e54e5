#include "measure/operand_pool.hpp"

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "core/bf16.hpp"
#include "core/error.hpp"
#include "core/operand_values.hpp"

namespace flopmeter {

void fill_uniform(void* dst, DType t, std::int64_t count, std::uint64_t seed) {
    switch (t) {
        case DType::fp32:
            fill_uniform_pm1(static_cast<float*>(dst), count, seed);
            break;
        case DType::fp64:
            fill_uniform_pm1(static_cast<double*>(dst), count, seed);
            break;
        case DType::bf16:
            fill_uniform_pm1(static_cast<bf16*>(dst), count, seed);
            break;
        default:
            throw UsageError("no initialiser for dtype " + std::string(dtype_name(t)));
    }
}

std::shared_ptr<const AlignedBuffer> shared_uniform_operand(DType t, std::uint64_t seed,
                                                            std::int64_t count) {
    static std::mutex mu;
    static std::map<std::pair<DType, std::uint64_t>, std::weak_ptr<const AlignedBuffer>> streams;
    const std::size_t bytes = std::size_t(count) * dtype_size(t);
    std::lock_guard<std::mutex> lock(mu);
    auto& slot = streams[{t, seed}];
    if (auto held = slot.lock(); held && held->size() >= bytes) return held;
    // A longer buffer replaces the stream's entry; cases holding the shorter one keep it.
    auto b = std::make_shared<AlignedBuffer>(bytes);
    fill_uniform(b->data(), t, count, seed);
    std::shared_ptr<const AlignedBuffer> out = std::move(b);
    slot = out;
    return out;
}

}  // namespace flopmeter
