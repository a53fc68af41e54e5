// softmax_rows_generic: the unfused kernel's softmax passes, plain C++ (any x86-64). See
// softmax_rows_body.hpp.
#include "kernels/attention/attn_vec_scalar.hpp"
#include "kernels/attention/softmax_rows_body.hpp"

namespace flopmeter::attn::generic {

void softmax(const SoftmaxArgs& a, std::int64_t row0, std::int64_t rows) {
    SoftmaxRows<VecScalar>::forward(a, row0, rows);
}
void softmax_bwd(const SoftmaxArgs& a, std::int64_t row0, std::int64_t rows) {
    SoftmaxRows<VecScalar>::backward(a, row0, rows);
}

}  // namespace flopmeter::attn::generic
