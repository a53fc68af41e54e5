// The shared read-only input streams (measure/operand_pool.hpp): one buffer serves every
// shorter request with the values a case would have filled in itself.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "core/bf16.hpp"
#include "core/error.hpp"
#include "measure/operand_pool.hpp"

using namespace flopmeter;

TEST_CASE("operand pool: shorter requests share the buffer, values as filled in place",
          "[measure]") {
    for (DType t : {DType::fp32, DType::bf16, DType::fp64}) {
        const std::uint64_t seed = 9001;  // a stream no case uses
        auto big = shared_uniform_operand(t, seed, 1000);
        auto small = shared_uniform_operand(t, seed, 10);
        CHECK(small.get() == big.get());
        std::vector<unsigned char> own(1000 * dtype_size(t));
        fill_uniform(own.data(), t, 1000, seed);
        CHECK(std::memcmp(own.data(), big->data(), own.size()) == 0);
        // A longer request gets a longer buffer with the same leading values; holders of the
        // shorter one keep theirs.
        auto longer = shared_uniform_operand(t, seed, 5000);
        CHECK(longer.get() != big.get());
        CHECK(longer->size() >= 5000 * dtype_size(t));
        CHECK(std::memcmp(longer->data(), big->data(), own.size()) == 0);
        CHECK(shared_uniform_operand(t, seed, 3000).get() == longer.get());
        // Another seed is another stream.
        auto other = shared_uniform_operand(t, seed + 1, 10);
        CHECK(std::memcmp(other->data(), small->data(), 10 * dtype_size(t)) != 0);
    }
    // Freed with its last holder: a new request builds afresh.
    std::weak_ptr<const AlignedBuffer> w;
    {
        auto b = shared_uniform_operand(DType::fp32, 9100, 64);
        w = b;
    }
    CHECK(w.expired());
    CHECK_THROWS_AS(shared_uniform_operand(DType::fp16, 9200, 8), UsageError);
}
