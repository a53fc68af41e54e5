// Memory-bound ops of a transformer step, fp32, threaded over the pinned pool: what the cost
// model times as bytes moved. Each has a double-precision reference for validation.
//   residual_add  y = a + b                                  bytes 12 per element
//   rmsnorm       y = x / sqrt(mean(x^2) + eps) * g (rows)   bytes  8 per element (+ g)
//   softmax       y = exp(x - max) / sum (rows)              bytes  8 per element
//   adamw         AdamW step on p, g, m, v (read 4, write 3) bytes 28 per element
// FLOPs are recorded for completeness (elementwise counts below) but these ops are timed by
// bytes: their rate is the bandwidth they reach.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flopmeter {

enum class MemOp { residual_add, rmsnorm, softmax, adamw };
std::string_view memop_name(MemOp op);
std::optional<MemOp> parse_memop(std::string_view s);

struct MemOpShape {
    MemOp op = MemOp::residual_add;
    std::int64_t rows = 1, cols = 1;  // elements = rows * cols; rows matter for rmsnorm/softmax
};

double memop_bytes(const MemOpShape& s);
double memop_flops(const MemOpShape& s);
int memop_arrays(MemOp op);  // fp32 arrays of rows*cols the op touches (g of rmsnorm excluded)

struct AdamWParams {
    float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weight_decay = 0.01f;
    int step = 1;
};

// x[0..arrays) as memop_arrays(op) buffers of rows*cols floats: in/out roles per op:
//  residual_add: x0 = a, x1 = b, x2 = y       rmsnorm: x0 = x, x1 = y (g = aux)
//  softmax:      x0 = x, x1 = y               adamw:   x0 = p, x1 = g, x2 = m, x3 = v
void run_memop(const MemOpShape& s, float* const* x, const float* aux, int threads);
// The same in double precision on copies, for validation: returns the max relative error of
// the outputs already computed in x against the reference computed from `inputs`.
double memop_max_rel_error(const MemOpShape& s, const float* const* inputs, float* const* outputs,
                           const float* aux);

}  // namespace flopmeter
